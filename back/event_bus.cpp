#include "back/event_bus.hpp"

#include <spdlog/spdlog.h>

#include "back/deploy_store.hpp"
#include "common/time.hpp"

namespace reship::back {
namespace {

constexpr uint64_t kSeqBlock = 10'000;

// What an event really costs in the ring: its strings and the bookkeeping
// around them, so that the byte bound is a bound on memory.
size_t footprint(const Event& e) { return sizeof(Event) + e.json.size() + e.type.size() + e.deploy_id.size() + 64; }

}  // namespace

// ---- EventBatch ------------------------------------------------------------------

const std::vector<const Event*>& EventBatch::matching(const std::string& deploy_id) const {
  if (deploy_id.empty()) return events_;
  auto it = matching_.find(deploy_id);
  if (it != matching_.end()) return it->second;
  std::vector<const Event*> picked;
  for (const Event* e : events_) {
    if (e->deploy_id == deploy_id) picked.push_back(e);
  }
  return matching_.emplace(deploy_id, std::move(picked)).first->second;
}

std::shared_ptr<const std::string> EventBatch::sse(const std::string& deploy_id) const {
  auto it = sse_.find(deploy_id);
  if (it != sse_.end()) return it->second;
  const auto& events = matching(deploy_id);
  std::shared_ptr<const std::string> text;
  if (!events.empty()) {
    auto out = std::make_shared<std::string>();
    size_t size = 0;
    for (const Event* e : events) size += e->json.size() + e->type.size() + 40;
    out->reserve(size);
    for (const Event* e : events) {
      out->append("id: ").append(std::to_string(e->seq)).append("\nevent: ").append(e->type);
      out->append("\ndata: ").append(e->json).append("\n\n");
    }
    text = std::move(out);
  }
  sse_.emplace(deploy_id, text);
  return text;
}

// ---- EventBus --------------------------------------------------------------------

EventBus::EventBus(uv_loop_t* loop, size_t max_events, size_t max_bytes)
    : check_(loop), max_events_(max_events), max_bytes_(max_bytes) {
  check_.start([this] { flush(); });
}

EventBus::~EventBus() = default;

common::Result<void> EventBus::use_store(DeployStore* store) {
  store_ = store;
  auto first = store_->reserve_event_seqs(kSeqBlock);
  if (!first) return std::move(first).error();
  next_seq_ = *first;
  reserved_end_ = *first + kSeqBlock;
  return {};
}

uint64_t EventBus::take_seq() {
  if (next_seq_ >= reserved_end_ && store_ != nullptr) {
    auto first = store_->reserve_event_seqs(kSeqBlock);
    if (first) {
      next_seq_ = *first;
      reserved_end_ = *first + kSeqBlock;
    } else {
      // Seqs stay unique in this run; only their persistence across a restart
      // is at risk, and a restart reserves anew.
      spdlog::error("{}", first.error().message);
      reserved_end_ = next_seq_ + kSeqBlock;
    }
  }
  return next_seq_++;
}

uint64_t EventBus::publish(std::string_view type, std::string_view deploy_id,
                           const std::function<void(common::JsonWriter&)>& fill) {
  Event e;
  e.seq = take_seq();
  e.type = type;
  e.deploy_id = deploy_id;
  const int64_t now = common::unix_ms();
  if (now != at_ms_) {
    at_ms_ = now;
    at_text_ = common::iso8601_utc(now);
  }
  common::JsonWriter w(128);
  w.begin_object().field("seq", e.seq).field("type", type).field("at", at_text_).field("deployId", deploy_id);
  if (fill) fill(w);
  w.end_object();
  e.json = std::move(w).str();
  ring_bytes_ += footprint(e);
  ring_.push_back(std::move(e));
  ++pending_;
  // Evict the oldest, but never an event not delivered yet, nor while a
  // delivery holds pointers into the ring.
  while (!flushing_ && (ring_.size() > max_events_ || ring_bytes_ > max_bytes_) && ring_.size() > pending_) {
    ring_bytes_ -= footprint(ring_.front());
    ring_.pop_front();
  }
  return next_seq_ - 1;
}

std::unique_ptr<EventBus::Subscription> EventBus::subscribe(std::string deploy_id, std::optional<uint64_t> since,
                                                            Deliver deliver) {
  const uint64_t id = next_subscriber_++;
  subscribers_.emplace(id, Subscriber{std::move(deploy_id), std::move(deliver), since});
  return std::unique_ptr<Subscription>(new Subscription(this, id));
}

EventBus::Subscription::~Subscription() { bus_->subscribers_.erase(id_); }

void EventBus::deliver_replay(Subscriber& sub) {
  const uint64_t since = *sub.replay_since;
  sub.replay_since.reset();
  // Events published this turn are delivered by the regular batch below.
  const size_t delivered = ring_.size() - pending_;
  std::vector<const Event*> events;
  std::optional<std::pair<uint64_t, uint64_t>> gap;
  const uint64_t first_kept = ring_.empty() ? next_seq_ : ring_.front().seq;
  if (since + 1 < first_kept && since < last_seq()) gap = std::make_pair(since + 1, first_kept - 1);
  for (size_t i = 0; i < delivered; ++i) {
    const Event& e = ring_[i];
    if (e.seq > since) events.push_back(&e);
  }
  if (events.empty() && !gap) return;
  EventBatch batch(std::move(events), gap);
  if (sub.deploy_id.empty() || !batch.matching(sub.deploy_id).empty() || gap) {
    auto deliver = sub.deliver;  // a copy: delivering may unsubscribe `sub`
    deliver(batch);
  }
}

void EventBus::flush() {
  flushing_ = true;
  deliver_all();
  flushing_ = false;
  while ((ring_.size() > max_events_ || ring_bytes_ > max_bytes_) && ring_.size() > pending_) {
    ring_bytes_ -= footprint(ring_.front());
    ring_.pop_front();
  }
}

void EventBus::deliver_all() {
  // Replays first, so that a resumed subscriber sees events in order.
  std::vector<uint64_t> ids;
  for (auto& [id, sub] : subscribers_) ids.push_back(id);
  for (uint64_t id : ids) {
    auto it = subscribers_.find(id);
    if (it != subscribers_.end() && it->second.replay_since) deliver_replay(it->second);
  }
  if (pending_ == 0) return;
  std::vector<const Event*> events;
  events.reserve(pending_);
  for (size_t i = ring_.size() - pending_; i < ring_.size(); ++i) events.push_back(&ring_[i]);
  pending_ = 0;
  if (subscribers_.empty()) return;
  EventBatch batch(std::move(events), std::nullopt);
  // A delivery may unsubscribe anyone (a transport dropping a slow client):
  // walk a snapshot of ids.
  ids.clear();
  for (auto& [id, sub] : subscribers_) ids.push_back(id);
  for (uint64_t id : ids) {
    auto it = subscribers_.find(id);
    if (it == subscribers_.end()) continue;
    if (!it->second.deploy_id.empty() && batch.matching(it->second.deploy_id).empty()) continue;
    auto deliver = it->second.deliver;
    deliver(batch);
  }
}

}  // namespace reship::back
