#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/os/child_reaper.hpp"
#include "common/config/config.hpp"
#include "common/result.hpp"
#include "common/os/uv_handles.hpp"
#include "supervisor/control_server.hpp"
#include "supervisor/output_writer.hpp"
#include "supervisor/service.hpp"

namespace reship::supervisor {

/// reship-supervisor as an object on a libuv loop: the services of the
/// config, the reaper, the control socket, the signals, and the way out
/// (SIGTERM: stop everything, exit 0; a restart of `edge`: stop everything,
/// exit with self_restart_exit_code).
class Supervisor {
 public:
  Supervisor(uv_loop_t* loop, common::Config config);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  /// Binds the control socket, starts reaping and watching signals, and
  /// starts the autostart services. Fails (with a message for the operator)
  /// when the socket cannot be bound.
  common::Result<void> start();
  /// Stops every service and exits the loop with `exit_code`. Calls while
  /// already stopping change nothing.
  void shut_down(int exit_code);

  bool finished() const { return finished_; }
  int exit_code() const { return exit_code_; }
  Service* find(std::string_view name);
  /// Reads the config file again and applies the difference (issue 22):
  /// services added are started, removed ones stopped, changed ones
  /// restarted with their new definition (or, with `defer_restarts`, at
  /// their next restart), the rest left alone. A file that does not pass its
  /// checks changes nothing. `done` gets the outcome once every start, stop
  /// and restart it began has ended; reloads asked meanwhile wait their turn.
  void reload(bool defer_restarts, std::function<void(const ipc::ReloadDone&)> done);
  /// The writer for the supervisor's stderr, for its own log lines.
  OutputWriter& log_writer() { return err_; }

 private:
  /// SIGTERM or SIGINT: stop everything; a second one kills what is left.
  void on_stop_signal();
  void on_request(const std::shared_ptr<ControlConnection>& conn, const ipc::Request& req);
  void on_restart(const std::shared_ptr<ControlConnection>& conn, const ipc::Request& req);
  void on_start_stop(const std::shared_ptr<ControlConnection>& conn, const ipc::Request& req);
  // supervisor_reload.cpp
  struct ReloadRequest {
    bool defer_restarts = false;
    std::function<void(const ipc::ReloadDone&)> done;
  };
  struct ReloadRun;
  void run_next_reload();
  void apply_reload(const std::shared_ptr<ReloadRun>& run, common::Config next);
  // A file with problems (in the outcome already): logged, nothing changed.
  void refuse_reload(const std::shared_ptr<ReloadRun>& run);
  void end_reload(const std::shared_ptr<ReloadRun>& run);
  void prune_leaving();
  void on_state_change(const Service& service);
  void maybe_notify_ready();
  void finish();
  ipc::HelloReply hello() const;
  /// The environment entry every child carries: which supervisor runs it.
  std::string supervisor_tag() const;
  ipc::StatusReply status() const;

  uv_loop_t* loop_;
  common::Config config_;
  OutputWriter out_;
  OutputWriter err_;
  common::ChildReaper reaper_;
  ServiceContext context_;
  std::vector<std::unique_ptr<Service>> services_;
  // Removed by a reload and stopping; dropped once stopped.
  struct Leaving {
    std::unique_ptr<Service> service;
    bool stopped = false;
  };
  std::vector<Leaving> leaving_;
  std::deque<ReloadRequest> reloads_;
  bool reloading_ = false;
  ControlServer control_;
  common::uv::Signal sigterm_;
  common::uv::Signal sigint_;
  common::uv::Signal sighup_;
  common::uv::Timer exit_timer_;
  common::uv::Timer status_timer_;  // when the STATUS= progress may begin
  common::uv::Timer prune_timer_;   // drops what leaving_ has stopped
  struct Subscriber {
    std::weak_ptr<ControlConnection> conn;
    std::optional<std::string> id;
  };
  std::vector<Subscriber> subscribers_;
  int64_t started_ms_ = 0;
  bool ready_notified_ = false;
  bool status_due_ = false;
  std::string status_sent_;  // the last STATUS= before READY=1
  bool shutting_down_ = false;
  bool finished_ = false;
  int exit_code_ = 0;
  size_t stopping_ = 0;
};

}  // namespace reship::supervisor
