#include "common/os/child_reaper.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace reship::common {

ChildReaper::ChildReaper(uv_loop_t* loop) : signal_(loop) {}

Result<void> ChildReaper::start() {
  auto started = signal_.start(SIGCHLD, [this] { reap(); });
  if (!started) return started;
  reap();
  return {};
}

void ChildReaper::watch(pid_t pid, ExitFn fn) { watched_[pid] = std::move(fn); }

int ChildReaper::reap() {
  int count = 0;
  while (true) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;  // 0: children left but none exited; -1: ECHILD
    ++count;
    auto it = watched_.find(pid);
    if (it == watched_.end()) {
      if (on_orphan_) on_orphan_(pid, status);
      continue;
    }
    ExitFn fn = std::move(it->second);
    watched_.erase(it);
    fn(pid, status);
  }
  if (count > 0 && on_pass_) on_pass_();
  return count;
}

Result<void> become_subreaper() {
  if (::getpid() == 1) return {};
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return errno_error("cannot become a child subreaper");
  return {};
}

}  // namespace reship::common
