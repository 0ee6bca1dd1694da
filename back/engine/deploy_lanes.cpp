// DeployService's lanes ([lanes]): which lane's deploy may run when, and
// what each lane holds. The queue rules of each lane are DeployQueue's; the
// build slots across lanes are BuildSlots'.

#include "back/engine/deploy_service.hpp"

#include <spdlog/spdlog.h>

namespace reship::back {

bool DeployService::exclusive(const DeployRecord& record) const {
  for (const auto& t : record.targets) {
    if (t == common::kEdge || (!config_.back.service.empty() && t == config_.back.service)) return true;
  }
  return false;
}

void DeployService::begin(DeployRun& run) {
  // A locked lane's head waits for the lock to end before it takes a slot,
  // so that it keeps no other lane waiting.
  if (locks_.held(run.record().lane) != nullptr) {
    spdlog::info("deploy {}: waits for lane {} to be unlocked", run.id(), run.record().lane);
    lock_waiting_.insert(run.id());
    return;
  }
  slots_.request(run.id(), exclusive(run.record()));
  pump();
}

void DeployService::lane_unlocked(const std::string& lane) {
  for (auto it = lock_waiting_.begin(); it != lock_waiting_.end();) {
    DeployRun* run = find(*it);
    if (run == nullptr) {
      it = lock_waiting_.erase(it);
    } else if (run->record().lane != lane) {
      ++it;
    } else {
      slots_.request(*it, exclusive(run->record()));
      it = lock_waiting_.erase(it);
    }
  }
  pump();
}

std::optional<std::string> DeployService::waiting_for(const std::string& id) const {
  if (lock_waiting_.count(id) != 0) {
    auto it = runs_.find(id);
    return "the lock of lane " + (it == runs_.end() ? std::string("?") : it->second->record().lane);
  }
  return slots_.waiting_for(id);
}

void DeployService::pump() {
  if (state_ != State::serving) return;
  for (const auto& id : slots_.admit()) {
    if (DeployRun* run = find(id)) {
      run->start();
    } else {
      slots_.release(id);
    }
  }
}

size_t DeployService::queue_depth() const {
  size_t depth = 0;
  for (const auto& [name, queue] : lanes_) depth += queue.queued() ? 1 : 0;
  return depth;
}

std::vector<DeployService::LaneState> DeployService::lanes() const {
  std::vector<LaneState> out;
  for (const auto& [name, queue] : lanes_) {
    LaneState lane{name, {}, std::nullopt, std::nullopt, false};
    if (auto it = config_.lanes.find(name); it != config_.lanes.end()) {
      lane.scopes = it->second;
    } else {
      for (const auto& [scope, members] : config_.scopes) lane.scopes.push_back(scope);
    }
    if (queue.running()) {
      lane.head = queue.running()->id;
      lane.running = slots_.running(*lane.head) && state_ != State::paused;
    }
    if (queue.queued()) lane.queued = queue.queued()->id;
    out.push_back(std::move(lane));
  }
  return out;
}

}  // namespace reship::back
