#pragma once

#include <sys/types.h>

#include <functional>
#include <unordered_map>

#include "common/result.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::common {

/// Reaps every child of this process on SIGCHLD with waitpid(-1), and hands
/// each exit status to whoever watches that pid. Children nobody watches
/// (orphans re-parented to a PID 1 or a subreaper) are reaped too, so no
/// zombie is ever left.
///
/// It owns all reaping: a process using it must not use uv_spawn(), whose
/// own SIGCHLD handling would race with waitpid(-1) for exit statuses.
class ChildReaper {
 public:
  using ExitFn = std::function<void(pid_t pid, int status)>;

  explicit ChildReaper(uv_loop_t* loop);
  ChildReaper(const ChildReaper&) = delete;
  ChildReaper& operator=(const ChildReaper&) = delete;

  /// Starts watching SIGCHLD and reaps whatever exited already.
  Result<void> start();
  /// Stops watching SIGCHLD.
  void stop() { signal_.stop(); }
  /// `fn` runs once, when `pid` has exited and been reaped.
  void watch(pid_t pid, ExitFn fn);
  void unwatch(pid_t pid) { watched_.erase(pid); }
  /// Runs after every reaping pass, once all statuses were dispatched.
  void on_pass(std::function<void()> fn) { on_pass_ = std::move(fn); }
  /// Runs for each reaped child nobody watched.
  void on_orphan(ExitFn fn) { on_orphan_ = std::move(fn); }
  /// Reaps every child that has exited; returns how many.
  int reap();

 private:
  uv::Signal signal_;
  std::unordered_map<pid_t, ExitFn> watched_;
  std::function<void()> on_pass_;
  ExitFn on_orphan_;
};

/// Makes this process the reaper of its orphaned descendants
/// (PR_SET_CHILD_SUBREAPER), so that a grandchild whose parent died is
/// reaped here rather than by init. A no-op for PID 1.
Result<void> become_subreaper();

}  // namespace reship::common
