#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "ipc/messages.hpp"

namespace reship::back {

/// What restarts a deploy's services: the seam between the engine and
/// whatever runs the platform. SupervisorClient (reship-supervisor's JSONL
/// socket) is the one driver today; the shape fits others: a systemd driver
/// (D-Bus RestartUnit per service, its JobRemoved signal as restart.done, and
/// ListUnits as status) and a Kubernetes one (a rollout restart per
/// deployment, rollout status as restart.done). Tests use a fake.
class Restarter {
 public:
  struct Handlers {
    /// The services the restart covers, once it is under way.
    std::function<void(const std::vector<std::string>& services)> on_ack;
    /// One per service, as each ends (contract 2.2's restart.done).
    std::function<void(const ipc::RestartDone& done)> on_done;
    /// After the last on_done.
    std::function<void(const ipc::RestartComplete& complete)> on_complete;
    /// The restart could not be asked for, or its answer stopped coming; the
    /// message says why and where.
    std::function<void(const common::Error& error)> on_failure;
  };

  virtual ~Restarter() = default;
  /// Restarts `services` (names of the config's [services], or "edge").
  virtual void restart(const std::vector<std::string>& services, Handlers handlers) = 0;
  /// What runs now: contract 2.1's status reply.
  virtual void status(std::function<void(common::Result<ipc::StatusReply>)> done) = 0;
  /// Has the runner read the config file again (contract §5 reload), with
  /// changed services left for their next restart, for a deploy with
  /// "reload": true. A runner that cannot says so.
  virtual void reload(std::function<void(common::Result<ipc::ReloadDone>)> done) {
    done(common::Error{"this restarter cannot reload a config"});
  }
};

}  // namespace reship::back
