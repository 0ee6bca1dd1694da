#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace reship::back {

/// Which lanes' deploys may run now ([lanes]): each lane's head asks for a
/// slot, and gets one first come, first served, while fewer than `max` run.
/// An exclusive deploy (one that restarts reship-back itself or `edge`)
/// runs alone: it waits until nothing else runs, and while it waits or runs
/// nothing else starts. Pure bookkeeping; DeployService starts what
/// admit() hands out.
class BuildSlots {
 public:
  /// `max`: deploys running at once (at least 1).
  explicit BuildSlots(size_t max) : max_(max == 0 ? 1 : max) {}

  /// Deploy `id` wants to run; admit() says when it may.
  void request(const std::string& id, bool exclusive);
  /// Deploy `id` ended (or left the queue): its slot or its place is free.
  void release(const std::string& id);
  /// The deploys that may start now, in the order they asked; each holds a
  /// slot from then on.
  std::vector<std::string> admit();

  /// What `id` waits for, while it waits: "build slot", or the exclusive
  /// deploy that holds others back, or "other lanes" for an exclusive one.
  std::optional<std::string> waiting_for(const std::string& id) const;
  bool running(const std::string& id) const;
  const std::vector<std::string>& running() const { return running_; }
  size_t max() const { return max_; }
  /// A reload's new limit: deploys running now go on; admit() heeds it.
  void set_max(size_t max) { max_ = max == 0 ? 1 : max; }

 private:
  struct Waiting {
    std::string id;
    bool exclusive;
  };
  bool may_start(const Waiting& w) const;

  size_t max_;
  std::vector<std::string> running_;
  std::optional<std::string> exclusive_running_;
  std::deque<Waiting> waiting_;
};

}  // namespace reship::back
