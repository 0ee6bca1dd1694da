#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/os/child_reaper.hpp"
#include "common/config/config.hpp"
#include "common/os/process_cgroup.hpp"
#include "common/os/process_spawn.hpp"
#include "common/os/uv_handles.hpp"
#include "ipc/messages.hpp"
#include "supervisor/backoff.hpp"
#include "supervisor/child_output.hpp"
#include "supervisor/notify_socket.hpp"
#include "supervisor/output_tail.hpp"
#include "supervisor/output_writer.hpp"
#include "supervisor/readiness_probe.hpp"
#include "supervisor/service_machine.hpp"

namespace reship::supervisor {

class Service;

/// What every service shares: the loop, the reaper, the output streams, the
/// base environment, and who to tell about state changes.
struct ServiceContext {
  uv_loop_t* loop = nullptr;
  common::ChildReaper* reaper = nullptr;
  OutputWriter* out = nullptr;
  OutputWriter* err = nullptr;
  /// The supervisor's environment without its own NOTIFY_SOCKET.
  std::vector<std::string> base_env;
  std::function<void(const Service&)> on_state_change;
};

/// How one start attempt ended: ready, or not (and why, with what the
/// process printed).
struct StartOutcome {
  bool ok = false;
  std::optional<int> pid;
  std::string error;
  std::string output;
};

/// One supervised child and its state machine (contract 2.1/2.2):
///
///   stopped/exited/backoff --start--> starting --ready--> running
///   starting/running --stop or restart--> stopping --group empty--> (respawn | stopped)
///   starting/running --exit--> (backoff | starting | exited)   per restart policy
///   starting --ready_timeout--> stopping --> backoff           a start that never gets ready
///
/// Every child runs in its own session and process group. Stopping sends the
/// stop signal to the whole group and SIGKILLs the group after stop_timeout;
/// a stop ends only when the group is empty, so nothing the child left
/// behind survives it (or holds its port when it starts again).
class Service {
 public:
  using StartFn = std::function<void(const StartOutcome&)>;
  using StopFn = std::function<void()>;
  using RestartFn = std::function<void(const ipc::RestartDone&)>;

  Service(ServiceContext& context, common::ServiceConfig config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  const std::string& name() const { return config_.name; }
  const common::ServiceConfig& config() const { return config_; }
  ServiceState state() const { return state_; }
  pid_t pid() const { return pid_; }
  bool ready() const { return state_ == ServiceState::running; }
  ipc::ServiceStatus status() const;

  /// Starts the service if it is not running; `done` runs when this start is
  /// ready or has failed (at once when already running).
  void start(StartFn done);
  /// Stops the service for good (until started again); `done` runs when its
  /// process group is empty.
  void stop(StopFn done);
  /// Stops and starts again; `done` gets the restart.done of contract 2.2. A
  /// restart asked while one is in flight joins it.
  void restart(RestartFn done);
  /// Like stop(), but the service will never start again: the supervisor is
  /// exiting.
  void shut_down(StopFn done);
  /// SIGKILLs the whole group at once (a second SIGTERM to the supervisor).
  void kill_now();
  /// Called after each reaping pass: a stop waiting for the group to empty
  /// (the main process gone, grandchildren still dying) may now end.
  void check_group();

 private:
  /// Its whole tree: the process group and, where there is one, the cgroup.
  void signal_tree(int sig);
  bool tree_empty() const;
  // What happens once the process group is empty after a stop or an exit.
  enum class AfterExit { apply_policy, respawn, stay_stopped };

  struct Restart {
    int64_t started_ms = 0;
    std::optional<int> old_pid;
    bool killed = false;
    std::vector<RestartFn> waiters;
  };

  void set_state(ServiceState state);
  void spawn();
  void on_spawn_failed(const std::string& error);
  void on_ready();
  void on_ready_timeout();
  void on_notify(std::string_view message);
  void on_exit(int status);
  void begin_stop();
  void on_kill_timeout();
  void finish_group();
  void apply_policy(bool failed_start);
  void schedule_start(common::Millis delay);
  void fail_start_waiters(const std::string& error, uint64_t generation);
  void complete_start_waiters(const StartOutcome& outcome);
  void complete_stop_waiters();
  void finish_restart(const StartOutcome& outcome);
  void open_notify_socket();
  std::vector<std::string> child_environment() const;
  void deliver_when_output_done(uint64_t generation, std::function<void()> deliver);

  ServiceContext& ctx_;
  common::ServiceConfig config_;
  std::optional<common::UserIdentity> user_;
  std::string user_error_;

  ServiceState state_ = ServiceState::stopped;
  pid_t pid_ = 0;            // the main process, 0 when none
  pid_t pgid_ = 0;           // its group; kept until the group is empty
  /// Its cgroup, where one can be made (root): what it daemonizes stays in
  /// it, past setsid(), and is stopped with it. Made at its first start.
  std::unique_ptr<common::ProcessCgroup> cgroup_;
  bool cgroup_tried_ = false;
  bool main_exited_ = false;  // stopping: main gone, waiting for the group
  int exit_status_ = 0;       // of the last main process
  AfterExit after_exit_ = AfterExit::apply_policy;
  bool shutting_down_ = false;
  bool killed_ = false;  // SIGKILL sent in the current stop
  bool exit_was_start_failure_ = false;

  int64_t spawned_ms_ = 0;
  int64_t exit_ms_ = 0;
  int64_t ready_ms_ = 0;
  int64_t spawn_count_ = 0;
  uint64_t generation_ = 0;
  std::optional<ipc::LastExit> last_exit_;
  Backoff backoff_;

  std::vector<StartFn> start_waiters_;
  std::vector<StopFn> stop_waiters_;
  std::optional<Restart> restart_;

  OutputTail tail_;
  std::list<std::unique_ptr<ChildOutput>> outputs_;
  std::unique_ptr<NotifySocket> notify_;
  std::unique_ptr<ReadinessProbe> probe_;
  common::uv::Timer ready_timer_;
  common::uv::Timer kill_timer_;
  common::uv::Timer backoff_timer_;
  common::uv::Timer drain_timer_;
  // A failed start's report, held until its output has drained.
  std::function<void()> pending_delivery_;
  uint64_t pending_generation_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace reship::supervisor
