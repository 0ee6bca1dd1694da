#include "back/config_reload.hpp"

#include "back/back_config.hpp"

namespace reship::back {

namespace {

std::string listen_text(const std::vector<common::ListenAddress>& listen) {
  std::string out;
  for (const auto& a : listen) out += (out.empty() ? "" : ", ") + a.text;
  return out;
}

// What changed between two configs that reship-back applies live, by the
// name an operator knows it by.
std::vector<std::string> live_changes(const common::Config& a, const common::Config& b) {
  std::vector<std::string> out;
  auto note = [&](bool differs, const char* what) {
    if (differs) out.emplace_back(what);
  };
  note(a.builds != b.builds, "[builds]");
  note(a.scopes != b.scopes, "[scopes]");
  note(a.lanes != b.lanes, "[lanes]");
  note(a.tokens != b.tokens, "[[tokens]]");
  note(a.services != b.services, "[services]");
  note(a.back.covers != b.back.covers, "[back] covers");
  note(a.back.workdir != b.back.workdir, "[back] workdir");
  note(a.back.log_tail_bytes != b.back.log_tail_bytes, "[back] log_tail_bytes");
  note(a.back.build_timeout != b.back.build_timeout, "[back] build_timeout");
  note(a.back.build_memory_max != b.back.build_memory_max, "[back] build_memory_max");
  note(a.back.keep_logs != b.back.keep_logs, "[back] keep_logs");
  note(a.back.header_timeout != b.back.header_timeout, "[back] header_timeout");
  note(a.back.idle_timeout != b.back.idle_timeout, "[back] idle_timeout");
  note(a.back.max_connections != b.back.max_connections, "[back] max_connections");
  note(a.back.max_parallel_builds != b.back.max_parallel_builds, "[back] max_parallel_builds");
  return out;
}

}  // namespace

ConfigReload reload_config(common::Config& running, bool apply) {
  ConfigReload out;
  common::ConfigLoad load = common::load_config(running.file);
  if (load.config) {
    for (auto& p : check_back_config(*load.config)) load.problems.push_back(std::move(p));
  }
  if (!load.problems.empty() || !load.config) {
    for (const auto& p : load.problems) out.problems.push_back(p.to_string());
    if (out.problems.empty()) out.problems.push_back(running.file.string() + ": cannot be read");
    return out;
  }
  common::Config next = std::move(*load.config);
  if (listen_text(next.back.listen) != listen_text(running.back.listen)) {
    out.needs_restart.push_back("[back] listen: " + listen_text(next.back.listen) +
                                " after a restart of reship-back; until then " + listen_text(running.back.listen));
  }
  if (next.back.state_dir != running.back.state_dir) {
    out.needs_restart.push_back("[back] state_dir: " + next.back.state_dir.string() +
                                " after a restart of reship-back; until then " + running.back.state_dir.string());
  }
  if (next.back.service != running.back.service) {
    out.needs_restart.push_back("[back] service: \"" + next.back.service +
                                "\" after a restart of reship-back; until then \"" + running.back.service + "\"");
  }
  if (next.supervisor.socket != running.supervisor.socket) {
    out.needs_restart.push_back("[supervisor] socket: reship-back follows the supervisor to " +
                                next.supervisor.socket.string() + " once both have restarted");
  }
  next.back.listen = running.back.listen;
  next.back.state_dir = running.back.state_dir;
  next.back.service = running.back.service;
  next.supervisor = running.supervisor;
  next.file = running.file;
  next.dir = running.dir;
  out.changed = live_changes(running, next);
  if (apply) running = std::move(next);
  return out;
}

}  // namespace reship::back
