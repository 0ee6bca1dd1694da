// restart_mode = "overlap" (issue 18): the running process is set aside while
// its successor starts on the same sockets; once the successor is ready the
// old one is retired (stopped), and if the successor fails it is reinstated.
// When each happens is the table's business (service_machine.cpp).
#include <spdlog/spdlog.h>

#include "common/os/process_spawn.hpp"
#include "supervisor/service.hpp"

namespace reship::supervisor {

void Service::set_aside() {
  ctx_.reaper->unwatch(pid_);
  const pid_t pid = pid_;
  // Its cgroup goes with it: the successor gets one of its own, so that a
  // signal to one tree never reaches the other.
  if (cgroup_) cgroup_tried_ = false;
  predecessor_ = std::make_unique<FormerProcess>(ctx_.loop, pid, std::move(cgroup_), spawned_ms_);
  pid_ = pgid_ = 0;
  std::weak_ptr<bool> alive = alive_;
  ctx_.reaper->watch(pid, [this, alive](pid_t exited, int status) {
    if (!alive.expired()) on_former_exit(exited, status);
  });
  spdlog::info("{}: pid {} serves on while its successor starts (restart_mode = \"overlap\")", config_.name, pid);
}

void Service::retire_predecessor() {
  if (!predecessor_) return;  // it exited meanwhile, and is among retiring_ already
  spdlog::info("{}: stopping pid {}, which pid {} replaces", config_.name, predecessor_->pid(), pid_);
  predecessor_->retire(config_.stop_signal, config_.stop_timeout);
  retiring_.push_back(std::move(predecessor_));
}

void Service::reinstate_predecessor() {
  if (!predecessor_) return;  // the table hears of its exit before it could ask this
  // The failed successor's tree is empty by now: its cgroup goes.
  cgroup_ = predecessor_->take_cgroup();
  cgroup_tried_ = true;
  pid_ = pgid_ = predecessor_->pid();
  spawned_ms_ = predecessor_->spawned_ms();
  predecessor_.reset();
  ctx_.reaper->unwatch(pid_);
  watch_exit(pid_);
  spdlog::warn("{}: its successor failed; pid {} serves on", config_.name, pid_);
}

void Service::on_former_exit(pid_t pid, int status) {
  const std::string how = common::describe_wait_status(status);
  if (predecessor_ && predecessor_->pid() == pid) {
    spdlog::warn("{}: pid {} {} while its successor was starting", config_.name, pid, how);
    predecessor_->main_exited();
    // What it left behind goes the way of a stop.
    predecessor_->retire(config_.stop_signal, config_.stop_timeout);
    retiring_.push_back(std::move(predecessor_));
    prune_retiring();
    dispatch({EventKind::predecessor_gone});
    return;
  }
  for (const auto& r : retiring_) {
    if (r->pid() == pid) {
      r->main_exited();
      spdlog::info("{}: pid {} {}", config_.name, pid, how);
    }
  }
  prune_retiring();
}

void Service::prune_retiring() {
  retiring_.remove_if([](const auto& r) { return r->gone(); });
  if (!retiring_.empty() || stop_waiters_after_retiring_.empty()) return;
  auto waiters = std::exchange(stop_waiters_after_retiring_, {});
  for (auto& w : waiters) w();
}

}  // namespace reship::supervisor
