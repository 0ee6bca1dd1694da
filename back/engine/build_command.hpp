#pragma once

#include <optional>
#include <string>

#include "back/engine/deploy_record.hpp"
#include "common/config/config.hpp"
#include "common/os/process_spawn.hpp"

namespace reship::back {

/// A deploy's build as a process to start: its scope's argv from [builds],
/// run in [back] workdir, with RESHIP_DEPLOY_ID, RESHIP_SCOPE and RESHIP_MODE
/// in its environment and nothing of reship-back's own (its identity as a
/// service, its token, its notify socket).
struct BuildCommand {
  common::SpawnRequest request;
  /// The command line, for the log.
  std::string text;
  /// Set when the program cannot be found: the build cannot start.
  std::optional<std::string> error;
};

/// nullopt when the scope has no build. `diagnostics_dir` goes into the
/// environment as RESHIP_DIAGNOSTICS_DIR.
std::optional<BuildCommand> build_command(const common::Config& config, const DeployRecord& record,
                                          const std::filesystem::path& diagnostics_dir);

}  // namespace reship::back
