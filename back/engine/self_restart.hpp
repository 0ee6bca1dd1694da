#pragma once

// The last step of a deploy whose targets include reship-back itself or
// `edge` (contract 3.1, "Restarting itself"): the deploy has ended and been
// answered, then reship-back (or the supervisor, with every service) is
// restarted, and whoever is left completes the record.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "back/engine/deploy_record.hpp"
#include "back/engine/restarter.hpp"
#include "common/config/config.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::back {

/// What became of a self-restart, for the record.
struct SelfRestartOutcome {
  bool ok = false;
  std::string error;  // when !ok: what went wrong, for errorSummary
  int64_t took_ms = 0;
  /// What the supervisor runs now, once it is back from an edge bounce.
  std::optional<ipc::StatusReply> status;
};

/// Carries out the self-restart and learns how it ended.
///
/// Three arrangements: reship-back is one of the supervisor's services and
/// only it restarts (the next instance completes the record); `edge` bounces
/// the supervisor, and reship-back with it (the next instance asks the new
/// supervisor what runs now); or reship-back runs outside the supervisor
/// (`[back] service = ""`) and bounces it, staying up: it waits for the
/// supervisor to come back with the deploy's services running, and completes
/// the record itself.
class SelfRestart {
 public:
  using DoneFn = std::function<void(const SelfRestartOutcome&)>;

  SelfRestart(uv_loop_t* loop, const common::Config& config, Restarter& supervisor);
  SelfRestart(const SelfRestart&) = delete;
  SelfRestart& operator=(const SelfRestart&) = delete;

  /// Whether `record`'s targets need this step (reship-back's own service
  /// or edge), and whether they include edge.
  bool needed(const DeployRecord& record) const;
  static bool bounces_supervisor(const DeployRecord& record);

  /// Asks the supervisor, one loop turn from now (so that the answers just
  /// written are on their way), to restart reship-back or edge. `done` runs
  /// when the request failed, or, when this process outlives the restart
  /// (reship-back outside the supervisor), once the supervisor is back with
  /// the targets running or the wait for it is over. It never runs when this
  /// process is the one restarted.
  void request(const DeployRecord& record, DoneFn done);

  /// In the instance started by the restart: learns, for an edge bounce, the
  /// pids the supervisor's services have now (waiting for the targets to be
  /// running, within a bound), then runs `done`; at once otherwise.
  void learn(const DeployRecord& record, DoneFn done);

  /// Writes the outcome into the record: selfRestart done or failed, the
  /// pids the targets have after a bounce, an entry for edge (the new
  /// supervisor's pid) and one for reship-back's own service when this
  /// process (`own_pid`) is its new instance.
  void complete(DeployRecord& record, const SelfRestartOutcome& outcome, int own_pid) const;

  /// How long a bounce may take before the supervisor is given up on: the
  /// longest stop, then the longest start, with slack.
  common::Millis bounce_limit() const;

 private:
  // Asks for the status until the supervisor answers with a pid other than
  // `old_pid` (0: any) and every target running, or until `deadline`.
  struct Poll;
  void poll(std::vector<std::string> targets, int old_pid, int64_t started_ms, int64_t deadline_ms, DoneFn done);
  void ask(const std::shared_ptr<Poll>& poll);
  std::vector<std::string> services_to_watch(const DeployRecord& record) const;

  uv_loop_t* loop_;
  const common::Config& config_;
  Restarter& supervisor_;
  common::uv::Timer timer_;
  std::vector<std::shared_ptr<Poll>> polls_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace reship::back
