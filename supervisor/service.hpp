#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/os/child_reaper.hpp"
#include "common/os/process_cgroup.hpp"
#include "common/os/process_spawn.hpp"
#include "common/os/uv_handles.hpp"
#include "ipc/messages.hpp"
#include "supervisor/child_output.hpp"
#include "supervisor/former_process.hpp"
#include "supervisor/listen_sockets.hpp"
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

/// One supervised child. Its lifecycle (contract 2.1/2.2) is the table in
/// service_machine.cpp; a Service feeds that table its events (requests,
/// exits, timers, readiness) and carries out the actions it answers with:
/// spawns, signals, timers, and the callers it answers.
///
/// Every child runs in its own session and process group (and cgroup, where
/// one can be made). Stopping sends the stop signal to the whole tree and
/// SIGKILLs it after stop_timeout; a stop ends only when the tree is empty,
/// so nothing the child left behind survives it (or holds its port when it
/// starts again).
///
/// With `listen`, the service's sockets are the supervisor's (ListenSockets)
/// and every start inherits them; with restart_mode = "overlap" a restart
/// sets the running process aside (FormerProcess) and retires it once the
/// new one is ready, or reinstates it if the new one fails.
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
  /// The state last announced to the supervisor.
  ServiceState state() const { return announced_; }
  pid_t pid() const { return pid_; }
  bool ready() const { return announced_ == ServiceState::running; }
  ipc::ServiceStatus status() const;
  /// Hands the service its bound sockets (before its first start).
  void set_sockets(std::unique_ptr<ListenSockets> sockets) { sockets_ = std::move(sockets); }

  /// The definition its next start uses: a reload's (redefine()) if there is
  /// one still to apply, else the one it runs.
  const common::ServiceConfig& definition() const { return pending_ ? pending_->config : config_; }
  /// The sockets that go with definition(), for ListenSockets::rebind().
  const ListenSockets* definition_sockets() const { return pending_ ? pending_->sockets.get() : sockets_.get(); }
  /// True when a reload changed the definition and no process runs it yet.
  bool changed() const { return pending_.has_value(); }
  /// A reload's new definition (and its sockets, from rebind): applied at
  /// the next spawn, or at once by the next restart, so that a process never
  /// runs one definition while the supervisor describes another.
  void redefine(common::ServiceConfig config, std::unique_ptr<ListenSockets> sockets);

  /// Starts the service if it is not running; `done` runs when this start is
  /// ready or has failed (at once when already running).
  void start(StartFn done);
  /// Stops the service for good (until started again); `done` runs when its
  /// tree is empty.
  void stop(StopFn done);
  /// Stops and starts again; `done` gets the restart.done of contract 2.2. A
  /// restart asked while one is in flight joins it.
  void restart(RestartFn done);
  /// Like stop(), but the service will never start again: the supervisor is
  /// exiting.
  void shut_down(StopFn done);
  /// SIGKILLs the whole tree at once (a second SIGTERM to the supervisor,
  /// which exits right after: the table is not told).
  void kill_now();
  /// Called after each reaping pass: a stop waiting for the tree to empty
  /// (the main process gone, what it started still dying) may now end.
  void check_group();

 private:
  // The callback of the request that brought an event, if it is one.
  struct Caller {
    StartFn start = nullptr;
    StopFn stop = nullptr;
    RestartFn restart = nullptr;
  };
  struct Input {
    Event event;
    Caller caller = {};
  };
  // A restart in flight: its callers hear of the next start's outcome.
  struct Restart {
    int64_t started_ms = 0;
    std::optional<int> old_pid;
    const char* mode = "stop-first";
    bool killed = false;
    // An overlap's new process failed while the old one still served.
    std::optional<pid_t> old_serves_on;
    std::vector<RestartFn> waiters;
  };

  // The runner (service.cpp): events in, the table stepped, actions carried out.
  void dispatch(Input input);
  void run(Input input);
  void execute(Action action, const Transition& transition);
  void announce();
  void begin_restart(RestartFn done, bool overlapping);
  void finish_restart(Restart& restart, const StartOutcome& outcome) const;
  void answer_start(const StartOutcome& outcome);
  void fail_start(const std::string& error);
  void fail_start_not_ready();
  void fail_start_after_output(const std::string& error);
  void complete_stop_waiters();
  // Makes a redefine()'s definition the one the service runs.
  void adopt_definition();
  void resolve_user();
  void deliver_when_output_done(uint64_t generation, std::function<void()> deliver);

  // The process (service_process.cpp): its spawn, readiness, exit, and signals to its tree.
  Event spawn();
  Event spawn_failed(const std::string& error);
  void relay_output(int fd, OutputWriter& writer, uint64_t generation);
  void watch_readiness();
  void on_exit(int status);
  void signal_tree(int sig);
  void signal_stop();
  bool tree_empty() const;
  void open_notify_socket();
  std::vector<std::string> child_environment() const;
  void on_notify(std::string_view message, pid_t sender);

  // Overlap restarts (service_overlap.cpp): the process set aside, retired, reinstated.
  void set_aside();
  void retire_predecessor();
  void reinstate_predecessor();
  void on_former_exit(pid_t pid, int status);
  void prune_retiring();
  void watch_exit(pid_t pid);

  ServiceContext& ctx_;
  common::ServiceConfig config_;
  Policy policy_;
  std::optional<common::UserIdentity> user_;
  std::string user_error_;
  struct Definition {
    common::ServiceConfig config;
    std::unique_ptr<ListenSockets> sockets;
  };
  std::optional<Definition> pending_;

  Machine machine_;
  ServiceState announced_ = ServiceState::stopped;
  // Events that arrive while a transition is carried out (from a callback it
  // runs) wait for it to end: each transition sees the machine it was made for.
  std::deque<Input> inbox_;
  bool dispatching_ = false;
  Caller caller_;                     // of the event being carried out
  std::optional<Event> follow_up_;    // an action's outcome: the next event, before the inbox
  std::string spawn_error_;           // of the last spawn_failed
  std::string exit_description_;      // of the last main process, "exited with code 1"

  pid_t pid_ = 0;   // the main process, 0 when none
  pid_t pgid_ = 0;  // its group; kept until the tree is empty
  /// Its cgroup, where one can be made (root): what it daemonizes stays in
  /// it, past setsid(), and is stopped with it. Made at its first start.
  std::unique_ptr<common::ProcessCgroup> cgroup_;
  bool cgroup_tried_ = false;
  int cgroups_made_ = 0;  // an overlap needs a second: each gets a name of its own
  std::unique_ptr<ListenSockets> sockets_;
  // Overlap: the process set aside while its successor starts, and those
  // retired since, until their trees are empty.
  std::unique_ptr<FormerProcess> predecessor_;
  std::list<std::unique_ptr<FormerProcess>> retiring_;

  int64_t spawned_ms_ = 0;
  int64_t spawn_count_ = 0;
  uint64_t generation_ = 0;
  std::optional<ipc::LastExit> last_exit_;

  std::vector<StartFn> start_waiters_;
  std::vector<StopFn> stop_waiters_;
  // A stop that is over but for what was retired: answered once that is gone.
  std::vector<StopFn> stop_waiters_after_retiring_;
  // Shared with its waiter among start_waiters_, which outlives it here when
  // a failed start's report waits for its output.
  std::shared_ptr<Restart> restart_;

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
