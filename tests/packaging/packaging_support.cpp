#include "tests/packaging/packaging_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/support/binaries.hpp"

namespace reship::test {

std::filesystem::path source_file(const std::string& relative) {
  return std::filesystem::path(kSourceDir) / relative;
}

bool have_tool(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const auto candidate = std::filesystem::path(dir) / tool;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

common::Config load_config_or_fail(const std::filesystem::path& path) {
  auto load = common::load_config(path);
  std::string problems;
  for (const auto& p : load.problems) problems += p.to_string() + "\n";
  INFO(problems);
  REQUIRE(load.config.has_value());
  return std::move(*load.config);
}

common::Millis longest_stop_timeout(const common::Config& config) {
  common::Millis longest = config.supervisor.stop_timeout;
  for (const auto& s : config.services) longest = std::max(longest, s.stop_timeout);
  return longest;
}

void check_same_platform(const common::Config& variant, const common::Config& example) {
  std::vector<std::string> names;
  std::vector<std::string> example_names;
  for (const auto& s : variant.services) names.push_back(s.name);
  for (const auto& s : example.services) example_names.push_back(s.name);
  REQUIRE(names == example_names);
  for (const auto& e : example.services) {
    const auto* v = variant.find_service(e.name);
    REQUIRE(v != nullptr);
    INFO("service " << e.name);
    if (e.name != example.back.service) CHECK(v->command == e.command);
    CHECK(v->ready.text == e.ready.text);
    CHECK(v->ready_timeout == e.ready_timeout);
    CHECK(v->restart == e.restart);
    CHECK(v->stop_signal == e.stop_signal);
    CHECK(v->stop_timeout == e.stop_timeout);
    CHECK(v->autostart == e.autostart);
    CHECK(v->restart_mode == e.restart_mode);
    std::vector<std::string> listen, example_listen;
    for (const auto& a : v->listen) listen.push_back(a.text);
    for (const auto& a : e.listen) example_listen.push_back(a.text);
    CHECK(listen == example_listen);
  }
  CHECK(variant.scopes == example.scopes);
  CHECK(variant.builds == example.builds);
  CHECK(variant.back.covers == example.back.covers);
  CHECK(variant.back.service == example.back.service);
  CHECK(variant.supervisor.self_restart_exit_code == example.supervisor.self_restart_exit_code);
}

UnitFile read_unit_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  UnitFile unit;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line[0] == ';' || line[0] == '[') continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    unit[line.substr(0, eq)].push_back(line.substr(eq + 1));
  }
  return unit;
}

std::string unit_value(const UnitFile& unit, const std::string& key) {
  auto it = unit.find(key);
  return it == unit.end() || it->second.empty() ? "" : it->second.back();
}

}  // namespace reship::test
