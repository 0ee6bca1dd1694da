#include "supervisor/config_diff.hpp"

#include <algorithm>
#include <cstdio>

namespace reship::supervisor {

namespace {

const common::ServiceConfig* find(const std::vector<const common::ServiceConfig*>& services, const std::string& name) {
  for (const auto* s : services) {
    if (s->name == name) return s;
  }
  return nullptr;
}

std::string octal(unsigned mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", mode);
  return buf;
}

}  // namespace

ServiceDiff diff_services(const std::vector<const common::ServiceConfig*>& running,
                          const std::vector<common::ServiceConfig>& next) {
  ServiceDiff diff;
  for (const auto& n : next) {
    const auto* now = find(running, n.name);
    if (now == nullptr) {
      diff.added.push_back(n.name);
    } else if (*now == n) {
      diff.unchanged.push_back(n.name);
    } else {
      diff.changed.push_back(n.name);
    }
  }
  for (const auto* r : running) {
    const bool kept = std::any_of(next.begin(), next.end(), [&](const auto& n) { return n.name == r->name; });
    if (!kept) diff.removed.push_back(r->name);
  }
  return diff;
}

std::vector<std::string> supervisor_changes_needing_restart(const common::SupervisorConfig& running,
                                                            const common::SupervisorConfig& next) {
  std::vector<std::string> out;
  if (running.socket != next.socket) {
    out.push_back("[supervisor] socket: " + next.socket.string() + " is used after a restart of the supervisor; until " +
                  "then it listens on " + running.socket.string());
  }
  if (running.socket_mode != next.socket_mode) {
    out.push_back("[supervisor] socket_mode: " + octal(next.socket_mode) +
                  " applies after a restart of the supervisor; until then the socket keeps " +
                  octal(running.socket_mode));
  }
  return out;
}

}  // namespace reship::supervisor
