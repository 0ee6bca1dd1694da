#include "supervisor/former_process.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include "common/os/process_spawn.hpp"

namespace reship::supervisor {

FormerProcess::FormerProcess(uv_loop_t* loop, pid_t pid, std::unique_ptr<common::ProcessCgroup> cgroup,
                             int64_t spawned_ms)
    : pid_(pid), cgroup_(std::move(cgroup)), spawned_ms_(spawned_ms), kill_timer_(loop) {}

FormerProcess::~FormerProcess() = default;

bool FormerProcess::owns(pid_t sender) const {
  if (sender == pid_ || ::getpgid(sender) == pid_) return true;
  if (!cgroup_) return false;
  const auto pids = cgroup_->pids();
  return std::find(pids.begin(), pids.end(), sender) != pids.end();
}

void FormerProcess::retire(int stop_signal, common::Millis grace) {
  signal_tree(stop_signal);
  if (stop_signal != SIGKILL) signal_tree(SIGCONT);
  kill_timer_.start(grace, [this] {
    if (gone()) return;
    killed_ = true;
    signal_tree(SIGKILL);
  });
}

bool FormerProcess::gone() const { return main_exited_ && (killed_ || tree_empty()); }

void FormerProcess::signal_tree(int sig) const {
  ::kill(-pid_, sig);
  if (cgroup_) cgroup_->signal_all(sig, pid_);
}

bool FormerProcess::tree_empty() const {
  if (!common::process_group_empty(pid_)) return false;
  return !cgroup_ || cgroup_->empty();
}

}  // namespace reship::supervisor
