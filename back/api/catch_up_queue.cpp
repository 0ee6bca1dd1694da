#include "back/api/catch_up_queue.hpp"

#include <algorithm>

namespace reship::api {

void CatchUpQueue::want(const std::shared_ptr<Client>& client) {
  if (client->queued_) return;
  client->queued_ = true;
  waiting_.push_back(client);
  if (!idle_.active()) idle_.start([this] { turn(); });
}

void CatchUpQueue::turn() {
  size_t budget = kBytesPerTurn;
  // Each client at most once per turn; those left over go first next turn.
  for (size_t n = waiting_.size(); n > 0 && budget > 0 && !waiting_.empty(); --n) {
    auto client = waiting_.front().lock();
    waiting_.pop_front();
    if (!client) continue;
    client->queued_ = false;
    bool more = false;
    budget -= std::min(budget, client->catch_up_step(more));
    if (more) {
      client->queued_ = true;
      waiting_.push_back(client);
    }
  }
  if (waiting_.empty()) idle_.stop();
}

}  // namespace reship::api
