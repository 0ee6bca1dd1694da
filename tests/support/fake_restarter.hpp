#pragma once

// A Restarter for unit tests of the deploy engine: it records each restart
// asked of it and lets the test answer, reply by reply, as a supervisor
// would (contract 2.2), or fail it.

#include <string>
#include <vector>

#include "back/engine/restarter.hpp"

namespace reship::test {

class FakeRestarter final : public back::Restarter {
 public:
  struct Call {
    std::vector<std::string> services;
    Handlers handlers;
  };

  void restart(const std::vector<std::string>& services, Handlers handlers) override {
    calls.push_back({services, std::move(handlers)});
  }
  void status(std::function<void(common::Result<ipc::StatusReply>)> done) override {
    if (status_reply) {
      done(*status_reply);
    } else {
      done(common::Error{"the fake supervisor has no status"});
    }
  }

  /// Answers the last call: its ack, a restart.done per service (ok, with
  /// pids from 1000 on), and restart.complete.
  void succeed_last() {
    Call& c = calls.back();
    if (c.handlers.on_ack) c.handlers.on_ack(c.services);
    int pid = 1000;
    for (const auto& s : c.services) {
      ipc::RestartDone d;
      d.service = s;
      d.ok = true;
      d.pid = pid++;
      d.duration_ms = 5;
      c.handlers.on_done(d);
    }
    c.handlers.on_complete(ipc::RestartComplete{true, 5});
  }

  std::vector<Call> calls;
  std::optional<ipc::StatusReply> status_reply;
};

}  // namespace reship::test
