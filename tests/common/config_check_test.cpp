#include <catch2/catch.hpp>

#include "tests/support/binaries.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship::test;

namespace {

const char* kFiveMistakes = R"([supervisor]
stop_timeout = "10"

[services.web]
command = ["web"]
restart = "sometimes"

[services.edge]
command = ["x"]

[scopes]
platform = ["web", "api"]

[builds]
deploy = ["make"]
)";

const char* kValid = R"([supervisor]
socket = "run/supervisor.sock"

[services.web]
command = ["web"]
ready = "tcp://127.0.0.1:3001"

[scopes]
platform = ["web"]
all = ["web", "edge"]

[back]
listen = ["127.0.0.1:7070"]
covers = { all = ["platform"] }

[builds]
platform = ["make"]
)";

size_t count_lines_starting(const std::string& text, const std::string& prefix) {
  size_t n = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    if (text.compare(pos, prefix.size(), prefix) == 0) ++n;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return n;
}

}  // namespace

TEST_CASE("config check: five mistakes print five PATH:LINE lines and exit 2", "[integration]") {
  TempDir dir;
  const auto file = dir.write("reship.toml", kFiveMistakes).string();
  for (const char* bin : {kSupervisorBin, kBackBin}) {
    INFO(bin);
    auto r = run_command({bin, "--check", "--config", file});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(count_lines_starting(r.err, file + ":") == 5);
    CHECK_THAT(r.err, Catch::Contains(file + ":2: supervisor.stop_timeout"));
    CHECK_THAT(r.err, Catch::Contains(file + ":6: services.web.restart"));
    CHECK_THAT(r.err, Catch::Contains(file + ":8: \"edge\" is reserved"));
    CHECK_THAT(r.err, Catch::Contains(file + ":12: scopes.platform names unknown service \"api\""));
    CHECK_THAT(r.err, Catch::Contains(file + ":15: build for unknown scope \"deploy\""));
  }
}

TEST_CASE("config check: a valid config exits 0", "[integration]") {
  TempDir dir;
  const auto file = dir.write("reship.toml", kValid).string();
  for (const char* bin : {kSupervisorBin, kBackBin}) {
    auto r = run_command({bin, "--check", "--config", file});
    INFO(bin << "\n" << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains(": ok"));
  }
}

TEST_CASE("config check: the example platform's config is valid", "[integration]") {
  const std::string file = std::string(kSourceDir) + "/examples/platform/reship.toml";
  for (const char* bin : {kSupervisorBin, kBackBin}) {
    auto r = run_command({bin, "--check", "--config", file});
    INFO(bin << "\n" << r.err);
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("config check: RESHIP_CONFIG is used when --config is absent", "[integration]") {
  TempDir dir;
  const auto file = dir.write("other.toml", kFiveMistakes).string();
  auto r = run_command({kSupervisorBin, "--check"}, std::chrono::seconds(10), {{"RESHIP_CONFIG", file}});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(file + ":2:"));
}

TEST_CASE("reship-back --check: listening beyond loopback needs tokens", "[integration]") {
  TempDir dir;
  const auto file = dir.write("reship.toml", "[back]\nlisten = [\"0.0.0.0:7070\"]\n").string();
  auto r = run_command({kBackBin, "--check", "--config", file});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(file + ":2: back.listen \"0.0.0.0:7070\" is reachable from other hosts"));
  // The supervisor does not care where reship-back listens.
  CHECK(run_command({kSupervisorBin, "--check", "--config", file}).exit_code == 0);
}

TEST_CASE("daemons: a bad flag is a usage error with exit 2", "[integration]") {
  for (const char* bin : {kSupervisorBin, kBackBin}) {
    auto r = run_command({bin, "--no-such-flag"});
    CHECK(r.exit_code == 2);
    auto v = run_command({bin, "--version"});
    CHECK(v.exit_code == 0);
    CHECK_THAT(v.out, Catch::Contains("0."));
  }
}
