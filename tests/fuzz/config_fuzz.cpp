// Fuzz target: the config loader (common/config.hpp), TOML text to typed,
// validated structs.
//
// Invariants: loading never throws or crashes; it gives a config or at least
// one problem, never both; each problem names the file, has a message and is
// in file order; and a config it accepts is one the daemons can trust (valid
// service names, commands, scopes that name known services, positive
// durations, a listen address, known scopes in builds, covers and tokens).

#include <set>
#include <string>
#include <string_view>

#include "common/config/config.hpp"
#include "fuzz_support.hpp"

namespace {

namespace common = reship::common;

constexpr std::string_view kFile = "/tmp/fuzz/reship.toml";

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void check_config(const common::Config& config) {
  FUZZ_CHECK(config.file == std::filesystem::path(kFile));
  FUZZ_CHECK(config.dir == std::filesystem::path("/tmp/fuzz"));
  FUZZ_CHECK(config.supervisor.socket_mode <= 0777);
  FUZZ_CHECK(config.supervisor.stop_timeout.count() > 0);
  FUZZ_CHECK(config.supervisor.self_restart_exit_code >= 1 && config.supervisor.self_restart_exit_code <= 255);
  FUZZ_CHECK(!config.supervisor.socket.empty());

  std::set<std::string> names;
  for (const auto& s : config.services) {
    FUZZ_CHECK(valid_name(s.name) && s.name != common::kEdge);
    FUZZ_CHECK(names.insert(s.name).second);
    FUZZ_CHECK(!s.command.empty());
    FUZZ_CHECK(s.ready_timeout.count() > 0 && s.stop_timeout.count() > 0);
    FUZZ_CHECK(s.stop_signal > 0);
    FUZZ_CHECK(s.ready.port >= 0 && s.ready.port <= 65535);
    if (s.ready.kind == common::Readiness::Kind::tcp || s.ready.kind == common::Readiness::Kind::http) {
      FUZZ_CHECK(!s.ready.host.empty());
    }
    FUZZ_CHECK(config.find_service(s.name) == &s);
  }
  for (const auto& [scope, members] : config.scopes) {
    FUZZ_CHECK(valid_name(scope));
    FUZZ_CHECK(!members.empty());
    std::set<std::string> seen;
    for (const auto& m : members) {
      FUZZ_CHECK(m == common::kEdge || config.find_service(m) != nullptr);
      FUZZ_CHECK(seen.insert(m).second);
    }
  }

  const auto& back = config.back;
  FUZZ_CHECK(!back.listen.empty());
  for (const auto& l : back.listen) {
    if (l.is_unix) {
      FUZZ_CHECK(!l.path.empty());
    } else {
      FUZZ_CHECK(!l.host.empty() && l.port >= 0 && l.port <= 65535);
    }
  }
  FUZZ_CHECK(back.service.empty() || config.find_service(back.service) != nullptr);
  FUZZ_CHECK(back.log_tail_bytes >= 1 && back.log_tail_bytes <= 1024 * 1024);
  FUZZ_CHECK(back.build_timeout.count() > 0 && back.header_timeout.count() > 0 && back.idle_timeout.count() > 0);
  FUZZ_CHECK(back.keep_logs >= 1 && back.max_connections >= 1);
  for (const auto& [scope, covered] : back.covers) {
    FUZZ_CHECK(config.find_scope(scope) != nullptr);
    for (const auto& c : covered) FUZZ_CHECK(config.find_scope(c) != nullptr);
  }
  for (const auto& [scope, argv] : config.builds) {
    FUZZ_CHECK(config.find_scope(scope) != nullptr);
    FUZZ_CHECK(!argv.empty());
  }
  std::set<std::string> token_names;
  for (const auto& t : config.tokens) {
    FUZZ_CHECK(!t.name.empty() && token_names.insert(t.name).second);
    for (const auto& s : t.scopes) FUZZ_CHECK(config.find_scope(s) != nullptr);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const common::ConfigLoad load = common::load_config_text(reship::fuzz::as_text(data, size), kFile);
  FUZZ_CHECK(load.config.has_value() != !load.problems.empty());
  int previous_line = 0;
  for (const auto& p : load.problems) {
    FUZZ_CHECK(p.file == kFile);
    FUZZ_CHECK(!p.message.empty());
    FUZZ_CHECK(p.line >= 0 && p.line >= previous_line);
    previous_line = p.line;
    FUZZ_CHECK(!p.to_string().empty());
  }
  if (load.config) check_config(*load.config);
  return 0;
}
