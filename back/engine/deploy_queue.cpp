#include "back/engine/deploy_queue.hpp"

#include <algorithm>

namespace reship::back {

bool DeployQueue::covers(const QueueEntry& x, const QueueEntry& y) const {
  bool scope_covers = x.scope == y.scope;
  if (!scope_covers) {
    auto it = covers_.find(x.scope);
    scope_covers = it != covers_.end() && std::find(it->second.begin(), it->second.end(), y.scope) != it->second.end();
  }
  if (!scope_covers || !mode_includes(x.mode, y.mode)) return false;
  if (y.reload && !x.reload) return false;
  for (const auto& t : y.targets) {
    if (std::find(x.targets.begin(), x.targets.end(), t) == x.targets.end()) return false;
  }
  return true;
}

DeployQueue::Decision DeployQueue::decide(const QueueEntry& y, bool cancel_running) const {
  Decision d;
  if (!running_) {
    d.action = Decision::Action::start;
    return d;
  }
  if (cancel_running && covers(y, *running_)) d.cancel_running_id = running_->id;
  if (!queued_) {
    d.action = Decision::Action::queue;
    return d;
  }
  if (covers(*queued_, y)) {
    d.action = Decision::Action::coalesce;
    d.joined_id = queued_->id;
    return d;
  }
  d.action = Decision::Action::queue;
  d.replaced_id = queued_->id;
  d.waiters_move = covers(y, *queued_);
  return d;
}

void DeployQueue::apply(const Decision& decision, const QueueEntry& y) {
  switch (decision.action) {
    case Decision::Action::start: running_ = y; break;
    case Decision::Action::queue: queued_ = y; break;
    case Decision::Action::coalesce: break;
  }
}

DeployQueue::Decision DeployQueue::submit(const QueueEntry& y, bool cancel_running) {
  Decision d = decide(y, cancel_running);
  apply(d, y);
  return d;
}

std::optional<QueueEntry> DeployQueue::finish_running() {
  running_ = std::move(queued_);
  queued_.reset();
  return running_;
}

bool DeployQueue::remove_queued(const std::string& id) {
  if (!queued_ || queued_->id != id) return false;
  queued_.reset();
  return true;
}

std::optional<int> DeployQueue::position(const std::string& id) const {
  if (running_ && running_->id == id) return 0;
  if (queued_ && queued_->id == id) return 1;
  return std::nullopt;
}

}  // namespace reship::back
