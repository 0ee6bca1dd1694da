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

#include "back/events/event_sources.hpp"
#include "common/text/json_writer.hpp"
#include "common/result.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::back {


/// One event of contract 3.4, encoded as its JSON object.
struct Event {
  uint64_t seq = 0;
  std::string type;
  std::string deploy_id;
  std::string json;
};

/// The events published in one loop turn (or fetched by a subscriber that
/// catches up), with their wire encodings made once and shared by every
/// subscriber that wants the same thing: fan-out to a hundred subscribers
/// costs one encoding. The encodings themselves (Server-Sent Events) belong
/// to the transports; the batch only keeps them.
class EventBatch {
 public:
  EventBatch(std::vector<const Event*> events, std::optional<std::pair<uint64_t, uint64_t>> gap);
  /// A batch that keeps its events alive itself (one kept by EventBus::fetch).
  explicit EventBatch(std::vector<std::shared_ptr<const Event>> owned);

  const std::vector<const Event*>& events() const { return events_; }
  /// Events between these seqs (inclusive) were asked for but are no longer
  /// kept: the subscriber should read the deploy logs by offset instead.
  const std::optional<std::pair<uint64_t, uint64_t>>& gap() const { return gap_; }
  /// Appends one event's wire form to `out` (a transport's framing).
  using Encoder = void (*)(std::string& out, const Event& event);
  /// The events matching `deploy_id` (all when empty), each encoded by
  /// `encode`, made once per batch for each (encoder, filter) and shared.
  /// Null when none match.
  std::shared_ptr<const std::string> encoded(const std::string& deploy_id, Encoder encode) const;
  /// The size of the events' JSON, all of them.
  size_t json_bytes() const { return json_bytes_; }
  /// The events matching `deploy_id` (all when empty).
  const std::vector<const Event*>& matching(const std::string& deploy_id) const;

 private:
  std::vector<std::shared_ptr<const Event>> owned_;
  std::vector<const Event*> events_;
  std::optional<std::pair<uint64_t, uint64_t>> gap_;
  size_t json_bytes_ = 0;
  mutable std::map<std::pair<Encoder, std::string>, std::shared_ptr<const std::string>> encoded_;
  mutable std::map<std::string, std::vector<const Event*>> matching_;
};

/// Lines a build printed in one read, as they were written to the log: one
/// deploy.log event each, with consecutive seqs.
struct LogRun {
  std::string deploy_id;
  std::string stream;  // "stdout", "stderr", "reship"
  int64_t at_ms = 0;
  int64_t offset = 0;  // of the first line in the log
  uint64_t bytes = 0;  // the lines and their newlines
  uint32_t lines = 0;
};

/// Publishes deploy events to subscribers (SSE and WebSocket clients, tests).
///
/// Each event gets a seq that increases and is never reused, even across
/// restarts (seqs are reserved in blocks in the deploy database). A bounded
/// ring keeps recent events for subscribers that resume (Last-Event-ID);
/// delivery is batched once per loop turn, so a burst of log lines reaches a
/// subscriber in one write. The bus never waits for a subscriber: one that
/// cannot keep up stops taking live batches and catches up from the ring
/// with fetch(), at its own pace, then takes live batches again.
///
/// Log lines, by far the most numerous events, are kept as runs (where they
/// are in the log) and turned into JSON only when someone listens or
/// resumes, read back from the log: a build nobody watches pays nothing per
/// line, and a resume is caught up from the log itself.
class EventBus {
 public:
  using Deliver = std::function<void(const EventBatch& batch)>;

  /// A log line longer than this travels in its event cut, with the number
  /// of bytes left out in "truncated"; the log keeps it whole.
  static constexpr size_t kMaxEventLine = 64 * 1024;

  /// `max_entries` and `max_bytes` (of memory) bound the ring.
  EventBus(uv_loop_t* loop, size_t max_entries = 20'000, size_t max_bytes = 2 * 1024 * 1024);
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  /// Takes its seqs from `seqs` from now on; without it, seqs start at 1.
  common::Result<void> use_seqs(SeqSource* seqs);
  /// On a clean shutdown: hands the seqs reserved but not used back to the
  /// store, so that the next instance numbers on from the last one used.
  void release_unused_seqs();
  /// Where log runs are read back from (without it, they are never delivered).
  void set_log_source(const LogSource* logs) { logs_ = logs; }

  /// Publishes an event {seq, type, at, deployId, ...}: `fill` writes the
  /// type's own fields. Returns its seq.
  uint64_t publish(std::string_view type, std::string_view deploy_id,
                   const std::function<void(common::JsonWriter&)>& fill = nullptr);
  /// Publishes one deploy.log event per line of `run` (already in the log).
  /// Returns the seq of its last line.
  uint64_t publish_log(LogRun run);

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

  /// Subscribes to the live events of `deploy_id` (all when empty), from the
  /// next batch on (to resume from a seq, fetch() what came before). The
  /// subscription ends when the returned object is destroyed.
  std::unique_ptr<Subscription> subscribe(std::string deploy_id, Deliver deliver);

  /// What fetch() returns: whole ring entries after a seq, oldest first.
  struct Page {
    /// Seqs asked for but no longer kept (read the deploy logs instead).
    std::optional<std::pair<uint64_t, uint64_t>> gap;
    /// One batch per log run (shared with every other subscriber catching
    /// up through the same run) and one per stretch of other events.
    std::vector<std::shared_ptr<const EventBatch>> batches;
    size_t bytes = 0;        // of JSON in the batches
    uint64_t last_seq = 0;   // pass it as `since` next time
    bool caught_up = false;  // nothing more: live batches take over from here
  };
  /// The events of `deploy_id` (all when empty) after `since` among those
  /// already handed to live subscribers, up to about `max_bytes` of JSON:
  /// the pull side of the bus, for a subscriber catching up (a slow client,
  /// a resume). Events published but not yet delivered come in the next
  /// live batch, so switching back to live batches at `caught_up` neither
  /// loses nor repeats an event.
  Page fetch(const std::string& deploy_id, uint64_t since, size_t max_bytes);

  /// The events of `deploy_id` (all when empty) after `since` that existed
  /// but are no longer kept, up to seq `end`: what a subscriber resuming
  /// from `since` has really lost. Only its own selection counts: a deploy
  /// this instance saw begin has no events before its first one, and a new
  /// subscriber (`since` 0) misses nothing of earlier instances, whose
  /// events no subscriber of this one could have seen.
  std::optional<std::pair<uint64_t, uint64_t>> lost(const std::string& deploy_id, uint64_t since,
                                                    uint64_t end) const;

  uint64_t last_seq() const { return next_seq_ - 1; }
  /// The last seq handed to live subscribers (or left in the ring unheard).
  uint64_t delivered_seq() const;
  size_t subscribers() const { return subscribers_.size(); }
  /// The oldest seq still kept (0 when the ring is empty).
  uint64_t oldest_kept() const { return ring_.empty() ? 0 : ring_.front().first_seq; }

 private:
  struct Subscriber {
    std::string deploy_id;
    Deliver deliver;
  };
  // A ring entry: one event, or a run of log lines (count seqs).
  struct Entry {
    uint64_t first_seq = 0;
    uint32_t count = 1;
    std::shared_ptr<const Event> event;  // set for a single event
    std::shared_ptr<const LogRun> run;   // set for a log run
    size_t footprint = 0;
  };

  void flush();
  void deliver_all();
  /// Appends the events of `entry` with seq > since (and matching
  /// `deploy_id` when set) to `out`, materializing log runs.
  void materialize(const Entry& entry, uint64_t since, const std::string& deploy_id,
                   std::vector<std::shared_ptr<const Event>>& out) const;
  /// A whole log run as a batch, from the cache of recently fetched runs.
  std::shared_ptr<const EventBatch> fetched_run(const Entry& entry);
  void push(Entry entry);
  void trim(size_t keep_pending);
  /// Notes the first event of a deploy seen by this instance.
  void note_deploy(std::string_view deploy_id, uint64_t seq, bool begins);
  /// `count` consecutive seqs, or nothing when none can be handed out
  /// without risking reuse (the database refused reservations for long).
  std::optional<uint64_t> take_seqs(uint64_t count);
  const std::string& at_text(int64_t unix_ms);

  common::uv::Check check_;
  size_t max_entries_;
  size_t max_bytes_;
  std::deque<Entry> ring_;
  size_t ring_bytes_ = 0;
  size_t pending_ = 0;  // entries at the end of the ring not yet delivered
  bool flushing_ = false;
  std::map<uint64_t, Subscriber> subscribers_;
  uint64_t next_subscriber_ = 1;
  SeqSource* seqs_ = nullptr;
  const LogSource* logs_ = nullptr;
  uint64_t next_seq_ = 1;
  uint64_t reserved_end_ = UINT64_MAX;  // no store: unlimited
  uint64_t durable_end_ = UINT64_MAX;   // the end of the last reservation stored
  bool reserving_failed_ = false;       // the last reservation failed (said once, in the log)
  uint64_t dropped_events_ = 0;
  uint64_t instance_first_seq_ = 1;     // the first seq this instance could hand out
  uint64_t last_evicted_seq_ = 0;       // the last seq the ring dropped
  // Deploys whose events this instance published: the seq of the first one,
  // and whether it was the deploy's very first (deploy.queued), so that
  // nothing of it came before. Bounded, oldest forgotten first.
  struct DeployStart {
    uint64_t first_seq;
    bool began_here;
  };
  std::map<std::string, DeployStart, std::less<>> deploy_starts_;
  std::deque<std::string> deploy_order_;
  int64_t at_ms_ = -1;                  // cache of the formatted time
  std::string at_text_;
  // Log runs fetched lately, by first seq: subscribers catching up together
  // encode each run once. Bounded by the JSON they hold.
  std::map<uint64_t, std::shared_ptr<const EventBatch>> fetched_;
  std::deque<uint64_t> fetched_order_;
  size_t fetched_bytes_ = 0;
};

}  // namespace reship::back
