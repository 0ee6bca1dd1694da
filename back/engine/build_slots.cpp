#include "back/engine/build_slots.hpp"

#include <algorithm>

namespace reship::back {

void BuildSlots::request(const std::string& id, bool exclusive) {
  if (running(id)) return;
  for (const auto& w : waiting_) {
    if (w.id == id) return;
  }
  waiting_.push_back({id, exclusive});
}

void BuildSlots::release(const std::string& id) {
  std::erase(running_, id);
  if (exclusive_running_ == id) exclusive_running_.reset();
  std::erase_if(waiting_, [&](const Waiting& w) { return w.id == id; });
}

bool BuildSlots::may_start(const Waiting& w) const {
  if (exclusive_running_) return false;
  return w.exclusive ? running_.empty() : running_.size() < max_;
}

std::vector<std::string> BuildSlots::admit() {
  std::vector<std::string> started;
  // Strictly in order: one that cannot start yet (an exclusive deploy
  // waiting for the others to end) holds back those behind it.
  while (!waiting_.empty() && may_start(waiting_.front())) {
    Waiting w = std::move(waiting_.front());
    waiting_.pop_front();
    if (w.exclusive) exclusive_running_ = w.id;
    running_.push_back(w.id);
    started.push_back(std::move(w.id));
  }
  return started;
}

bool BuildSlots::running(const std::string& id) const {
  return std::find(running_.begin(), running_.end(), id) != running_.end();
}

std::optional<std::string> BuildSlots::waiting_for(const std::string& id) const {
  auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](const Waiting& w) { return w.id == id; });
  if (it == waiting_.end()) return std::nullopt;
  if (exclusive_running_) return "exclusive deploy " + *exclusive_running_;
  for (auto before = waiting_.begin(); before != it; ++before) {
    if (before->exclusive) return "exclusive deploy " + before->id;
  }
  if (it->exclusive) return std::string("other lanes");
  return std::string("build slot");
}

}  // namespace reship::back
