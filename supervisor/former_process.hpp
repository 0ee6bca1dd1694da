#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>

#include "common/duration.hpp"
#include "common/os/process_cgroup.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::supervisor {

/// A process of a service that is no longer its current one (restart_mode =
/// "overlap", issue 18): set aside while the new process starts, serving on
/// the sockets both share, then retired once the new one is ready (or
/// reinstated if it fails). The service watches it until its main process has
/// exited and its tree is empty, so that a stop or a shutdown ends only when
/// nothing of it is left.
class FormerProcess {
 public:
  FormerProcess(uv_loop_t* loop, pid_t pid, std::unique_ptr<common::ProcessCgroup> cgroup, int64_t spawned_ms);
  /// Leaves the process be (it may be the service's again); its cgroup, if it
  /// still has it, kills what is left in it.
  ~FormerProcess();
  FormerProcess(const FormerProcess&) = delete;
  FormerProcess& operator=(const FormerProcess&) = delete;

  pid_t pid() const { return pid_; }
  int64_t spawned_ms() const { return spawned_ms_; }
  /// Whether `sender` (a notify message's) is this process or one it started.
  bool owns(pid_t sender) const;

  /// The stop signal (and SIGCONT) to its tree; SIGKILL after `grace`.
  void retire(int stop_signal, common::Millis grace);
  void main_exited() { main_exited_ = true; }
  bool main_has_exited() const { return main_exited_; }
  /// Its main process has exited and nothing of its tree is left (or SIGKILL
  /// went to what is: leftovers that are not our children are never reaped).
  bool gone() const;
  /// SIGKILL to its tree at once (the supervisor's forced exit).
  void kill_now() const { signal_tree(SIGKILL); }

  /// Gives up its cgroup (to the service it becomes the process of again).
  std::unique_ptr<common::ProcessCgroup> take_cgroup() { return std::move(cgroup_); }

 private:
  void signal_tree(int sig) const;
  bool tree_empty() const;

  pid_t pid_;  // also its process group
  std::unique_ptr<common::ProcessCgroup> cgroup_;
  int64_t spawned_ms_;
  bool main_exited_ = false;
  bool killed_ = false;
  common::uv::Timer kill_timer_;
};

}  // namespace reship::supervisor
