#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.hpp"
#include "common/result.hpp"
#include "common/uv_handles.hpp"

namespace reship::back {

class DeployStore;

/// One event of contract 3.4, encoded once as its JSON object.
struct Event {
  uint64_t seq = 0;
  std::string type;
  std::string deploy_id;
  std::string json;
};

/// The events published in one loop turn (or replayed to a new subscriber),
/// with their wire encodings made once and shared by every subscriber that
/// wants the same thing: fan-out to a hundred subscribers costs one encoding.
class EventBatch {
 public:
  enum class Format { sse, ws_json_lines };

  EventBatch(std::vector<const Event*> events, std::optional<std::pair<uint64_t, uint64_t>> gap)
      : events_(std::move(events)), gap_(gap) {}

  const std::vector<const Event*>& events() const { return events_; }
  /// Events between these seqs (inclusive) were asked for but are no longer
  /// kept: the subscriber should read the deploy logs by offset instead.
  const std::optional<std::pair<uint64_t, uint64_t>>& gap() const { return gap_; }
  /// Server-Sent Events text for the events matching `deploy_id` (all when
  /// empty): "id: N\nevent: TYPE\ndata: JSON\n\n" each. Null when none match.
  std::shared_ptr<const std::string> sse(const std::string& deploy_id) const;
  /// The JSON objects matching `deploy_id`, for one WebSocket text frame each.
  const std::vector<const Event*>& matching(const std::string& deploy_id) const;

 private:
  std::vector<const Event*> events_;
  std::optional<std::pair<uint64_t, uint64_t>> gap_;
  mutable std::map<std::string, std::shared_ptr<const std::string>> sse_;
  mutable std::map<std::string, std::vector<const Event*>> matching_;
};

/// Publishes deploy events to subscribers (SSE and WebSocket clients, tests).
///
/// Each event gets a seq that increases and is never reused, even across
/// restarts (seqs are reserved in blocks in the deploy database). A bounded
/// ring keeps recent events for subscribers that resume (Last-Event-ID);
/// delivery is batched once per loop turn, so a burst of log lines reaches a
/// subscriber in one write. The bus never waits for a subscriber: those who
/// cannot keep up are dropped by their transport and resume from the ring.
class EventBus {
 public:
  using Deliver = std::function<void(const EventBatch& batch)>;

  /// `max_events` and `max_bytes` (of memory) bound the ring.
  EventBus(uv_loop_t* loop, size_t max_events = 20'000, size_t max_bytes = 2 * 1024 * 1024);
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  /// Takes its seqs from `store` from now on; without it, seqs start at 1.
  common::Result<void> use_store(DeployStore* store);

  /// Publishes an event {seq, type, at, deployId, ...}: `fill` writes the
  /// type's own fields. Returns its seq.
  uint64_t publish(std::string_view type, std::string_view deploy_id,
                   const std::function<void(common::JsonWriter&)>& fill = nullptr);

  class Subscription {
   public:
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

   private:
    friend class EventBus;
    Subscription(EventBus* bus, uint64_t id) : bus_(bus), id_(id) {}
    EventBus* bus_;
    uint64_t id_;
  };

  /// Subscribes to events of `deploy_id` (all when empty). With `since`,
  /// first replays the kept events after that seq (on the next loop turn).
  /// The subscription ends when the returned object is destroyed.
  std::unique_ptr<Subscription> subscribe(std::string deploy_id, std::optional<uint64_t> since, Deliver deliver);

  uint64_t last_seq() const { return next_seq_ - 1; }
  size_t subscribers() const { return subscribers_.size(); }
  /// The oldest seq still kept (0 when the ring is empty).
  uint64_t oldest_kept() const { return ring_.empty() ? 0 : ring_.front().seq; }

 private:
  struct Subscriber {
    std::string deploy_id;
    Deliver deliver;
    std::optional<uint64_t> replay_since;  // pending replay
  };

  void flush();
  void deliver_all();
  void deliver_replay(Subscriber& sub);
  uint64_t take_seq();

  common::uv::Check check_;
  size_t max_events_;
  size_t max_bytes_;
  std::deque<Event> ring_;
  size_t ring_bytes_ = 0;
  size_t pending_ = 0;  // events at the end of the ring not yet delivered
  bool flushing_ = false;
  std::map<uint64_t, Subscriber> subscribers_;
  uint64_t next_subscriber_ = 1;
  DeployStore* store_ = nullptr;
  uint64_t next_seq_ = 1;
  uint64_t reserved_end_ = UINT64_MAX;  // no store: unlimited
  int64_t at_ms_ = -1;                  // cache of the formatted time
  std::string at_text_;
};

}  // namespace reship::back
