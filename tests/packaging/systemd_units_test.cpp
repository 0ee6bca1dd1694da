// systemd/: the units as systemd reads them (systemd-analyze verify), and the
// settings the units and the example config must agree on.

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "common/duration.hpp"
#include "tests/support/skip.hpp"
#include "tests/packaging/packaging_support.hpp"
#include "tests/support/binaries.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const char* const kUnits[] = {"reship-supervisor.service", "reship-back.service"};

// Where the units expect the binaries (README.md's install step), and the
// binaries built here.
const std::pair<std::string, std::string> kInstalled[] = {
    {"/usr/local/bin/reship-supervisor", kSupervisorBin},
    {"/usr/local/bin/reship-back", kBackBin},
};

// A copy of `unit` in `dir` that runs the binaries built here: verify checks
// that ExecStart's program exists and is executable, and they are not
// installed on a build machine. Only the program paths change.
fs::path unit_with_built_binaries(const TempDir& dir, const std::string& unit) {
  std::string text = read_file(source_file("systemd/" + unit));
  REQUIRE_FALSE(text.empty());
  int replaced = 0;
  for (const auto& [installed, built] : kInstalled) {
    const std::string exec = "ExecStart=" + installed + " ";
    if (const size_t pos = text.find(exec); pos != std::string::npos) {
      text.replace(pos + 10, installed.size(), built);
      ++replaced;
    }
  }
  INFO(unit << ": ExecStart must run one of the installed binaries");
  CHECK(replaced == 1);
  return dir.write(unit, text);
}

// systemd-analyze verify exits 0 even for unknown keys or unparsable
// values, which it only prints: every line that names the unit is a finding.
std::vector<std::string> verify_findings(const fs::path& unit_path, std::string* output) {
  const auto r = run_command({"systemd-analyze", "verify", "--man=no", unit_path.string()}, 60s);
  *output = r.out + r.err;
  std::vector<std::string> findings;
  if (r.exit_code != 0) findings.push_back("exit code " + std::to_string(r.exit_code));
  std::istringstream in(*output);
  for (std::string line; std::getline(in, line);) {
    if (line.find(unit_path.filename().string()) != std::string::npos) findings.push_back(line);
  }
  return findings;
}

common::Millis unit_duration(const UnitFile& unit, const std::string& key) {
  auto d = common::parse_duration(unit_value(unit, key));
  INFO(key << "=" << unit_value(unit, key));
  REQUIRE(d.ok());
  return *d;
}

bool lists(const std::string& values, const std::string& word) {
  std::istringstream in(values);
  for (std::string w; in >> w;) {
    if (w == word) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("systemd units: systemd-analyze verify finds nothing", "[packaging]") {
  if (!have_tool("systemd-analyze")) {
    RESHIP_SKIP("systemd-analyze is not installed (scripts/install-deps --extra installs systemd)");
  }
  TempDir dir;
  for (const char* unit : kUnits) {
    std::string output;
    const auto findings = verify_findings(unit_with_built_binaries(dir, unit), &output);
    INFO(unit << "\n" << output);
    CHECK(findings.empty());
  }
  // The check can fail: a misspelt value is a finding.
  const std::string bad = read_file(dir / kUnits[0]) + "KillMode=mixd\n";
  std::string output;
  const auto findings = verify_findings(dir.write("bad.service", bad), &output);
  INFO(output);
  CHECK_FALSE(findings.empty());
}

TEST_CASE("systemd units: the supervisor's unit fits its restart, notify and stop behaviour", "[packaging]") {
  const auto unit = read_unit_file(source_file("systemd/reship-supervisor.service"));
  const auto config = load_config_or_fail(source_file("systemd/reship.toml"));
  CHECK(unit_value(unit, "Type") == "notify");
  CHECK(unit_value(unit, "NotifyAccess") == "main");
  // The edge bounce: its exit code is a success that restarts.
  const std::string bounce = std::to_string(config.supervisor.self_restart_exit_code);
  CHECK(unit_value(unit, "Restart") == "always");
  CHECK(lists(unit_value(unit, "SuccessExitStatus"), bounce));
  CHECK(lists(unit_value(unit, "RestartForceExitStatus"), bounce));
  // An invalid config (exit 2) is not retried.
  CHECK(lists(unit_value(unit, "RestartPreventExitStatus"), "2"));
  // SIGTERM to the supervisor alone; the grace covers the slowest stop.
  CHECK(unit_value(unit, "KillMode") == "mixed");
  CHECK(unit_duration(unit, "TimeoutStopSec") >= longest_stop_timeout(config) + common::Millis(5000));
  // The paths the unit prepares are the config's.
  CHECK(unit_value(unit, "ExecStart") == "/usr/local/bin/reship-supervisor --config /etc/reship/reship.toml");
  CHECK(unit_value(unit, "Environment") == "RESHIP_CONFIG=/etc/reship/reship.toml");
  CHECK(config.supervisor.socket.parent_path() == fs::path("/run") / unit_value(unit, "RuntimeDirectory"));
  CHECK(config.back.state_dir == fs::path("/var/lib") / unit_value(unit, "StateDirectory"));
  // The example is arrangement A: reship-back runs under the supervisor.
  REQUIRE(config.find_service(config.back.service) != nullptr);
  CHECK(config.find_service(config.back.service)->command.at(0) == "/usr/local/bin/reship-back");
}

TEST_CASE("systemd units: reship-back's own unit leaves the socket directory to the supervisor's", "[packaging]") {
  const auto unit = read_unit_file(source_file("systemd/reship-back.service"));
  const auto supervisor_unit = read_unit_file(source_file("systemd/reship-supervisor.service"));
  CHECK(unit_value(unit, "Type") == "notify");
  CHECK(unit_value(unit, "Restart") == "on-failure");
  CHECK(unit_value(unit, "ExecStart") == "/usr/local/bin/reship-back --config /etc/reship/reship.toml");
  // A unit removes its RuntimeDirectory when it stops: two units sharing one
  // would pull the supervisor's socket away.
  CHECK(unit.count("RuntimeDirectory") == 0);
  CHECK(unit_value(unit, "StateDirectory") == unit_value(supervisor_unit, "StateDirectory"));
  CHECK(unit_value(unit, "User") == unit_value(supervisor_unit, "User"));
  CHECK_THAT(unit_value(unit, "After"), Catch::Contains("reship-supervisor.service"));
}

TEST_CASE("systemd units: the example config passes both daemons' checks", "[packaging]") {
  for (const char* binary : {kSupervisorBin, kBackBin}) {
    const auto r = run_command({binary, "--check", "--config", source_file("systemd/reship.toml").string()}, 30s);
    INFO(binary << "\n" << r.out << r.err);
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("systemd units: the example config runs the example platform", "[packaging]") {
  check_same_platform(load_config_or_fail(source_file("systemd/reship.toml")),
                      load_config_or_fail(source_file("examples/platform/reship.toml")));
}
