#pragma once

// Just enough of the Dockerfile syntax for the packaging tests to check what
// docker/Dockerfile says against the tree and the binaries built from it:
// instructions with their continuation lines joined and comment lines
// dropped (as Docker does), stages, the packages of `apt-get install`.

#include <filesystem>
#include <string>
#include <vector>

namespace reship::test {

/// One instruction: `keyword` upper-cased ("RUN"), `args` the rest with
/// continuations joined by a space, `line` where it starts (1-based).
struct DockerInstruction {
  std::string keyword;
  std::string args;
  int line = 0;
};

/// One build stage: its FROM arguments ("debian:bookworm-slim AS runtime")
/// and the instructions after it.
struct DockerStage {
  std::string from;
  std::vector<DockerInstruction> instructions;
};

std::vector<DockerInstruction> parse_dockerfile(const std::string& text);
std::vector<DockerStage> dockerfile_stages(const std::vector<DockerInstruction>& instructions);

/// The packages named by every `apt-get install` in a RUN's shell command
/// (options and $VARIABLES left out).
std::vector<std::string> apt_installed_packages(const std::string& run_args);

/// The source paths of a COPY or ADD without --from (the last word is the
/// destination).
std::vector<std::string> copy_sources(const std::string& copy_args);

}  // namespace reship::test
