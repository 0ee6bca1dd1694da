#include "back/events/event_bus.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/time.hpp"
#include "common/text/utf8.hpp"

namespace reship::back {
namespace {

constexpr uint64_t kSeqBlock = 10'000;
// How far past its durable reservation an instance may number events when
// the database cannot take a new one (a full disk). Every instance starts
// this far past the stored end, so what a crashed one handed out that way is
// never handed out again; beyond it, events are not published at all.
constexpr uint64_t kUnreservedMargin = 10'000'000;
// Deploys whose first event seq is remembered (for lost()).
constexpr size_t kDeployStarts = 10'000;
// The JSON of fetched log runs kept for other subscribers catching up.
constexpr size_t kFetchedBytes = 2 * 1024 * 1024;

// What an entry really costs in the ring: its strings and the bookkeeping
// around them, so that the byte bound is a bound on memory.
size_t footprint(const Event& e) {
  return sizeof(Event) + e.json.size() + e.type.size() + e.deploy_id.size() + 96;
}
size_t footprint(const LogRun& r) {
  return sizeof(LogRun) + r.deploy_id.size() + r.stream.size() + 96;
}

}  // namespace

// ---- EventBatch ------------------------------------------------------------------

EventBatch::EventBatch(std::vector<const Event*> events, std::optional<std::pair<uint64_t, uint64_t>> gap)
    : events_(std::move(events)), gap_(gap) {
  for (const Event* e : events_) json_bytes_ += e->json.size();
}

EventBatch::EventBatch(std::vector<std::shared_ptr<const Event>> owned) : owned_(std::move(owned)) {
  events_.reserve(owned_.size());
  for (const auto& e : owned_) {
    events_.push_back(e.get());
    json_bytes_ += e->json.size();
  }
}

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

std::shared_ptr<const std::string> EventBatch::encoded(const std::string& deploy_id, Encoder encode) const {
  auto key = std::make_pair(encode, deploy_id);
  auto it = encoded_.find(key);
  if (it != encoded_.end()) return it->second;
  const auto& events = matching(deploy_id);
  std::shared_ptr<const std::string> text;
  if (!events.empty()) {
    auto out = std::make_shared<std::string>();
    size_t size = 0;
    for (const Event* e : events) size += e->json.size() + e->type.size() + 40;
    out->reserve(size);
    for (const Event* e : events) encode(*out, *e);
    text = std::move(out);
  }
  encoded_.emplace(std::move(key), text);
  return text;
}

// ---- EventBus --------------------------------------------------------------------

EventBus::EventBus(uv_loop_t* loop, size_t max_entries, size_t max_bytes)
    : check_(loop), max_entries_(max_entries), max_bytes_(max_bytes) {
  check_.start([this] { flush(); });
}

EventBus::~EventBus() = default;

common::Result<void> EventBus::use_seqs(SeqSource* seqs) {
  seqs_ = seqs;
  auto first = seqs_->reserve_event_seqs(kUnreservedMargin + kSeqBlock);
  if (!first) return std::move(first).error();
  next_seq_ = *first + kUnreservedMargin;
  reserved_end_ = durable_end_ = next_seq_ + kSeqBlock;
  instance_first_seq_ = next_seq_;
  last_evicted_seq_ = next_seq_ - 1;
  return {};
}

void EventBus::release_unused_seqs() {
  if (seqs_ == nullptr || reserved_end_ == UINT64_MAX) return;
  // Every start skips kUnreservedMargin past the stored end; after a clean
  // stop nothing was handed out there, so the next instance may go on from
  // the last seq used (every instance's seqs start past the margin: no
  // underflow).
  if (auto released = seqs_->release_event_seqs(durable_end_ - 1, next_seq_ - 1 - kUnreservedMargin); !released) {
    spdlog::warn("{}", released.error().message);
  }
}

void EventBus::note_deploy(std::string_view deploy_id, uint64_t seq, bool begins) {
  if (deploy_id.empty() || deploy_starts_.find(deploy_id) != deploy_starts_.end()) return;
  deploy_starts_.emplace(std::string(deploy_id), DeployStart{seq, begins});
  deploy_order_.emplace_back(deploy_id);
  if (deploy_order_.size() > kDeployStarts) {
    deploy_starts_.erase(deploy_order_.front());
    deploy_order_.pop_front();
  }
}

std::optional<std::pair<uint64_t, uint64_t>> EventBus::lost(const std::string& deploy_id, uint64_t since,
                                                             uint64_t end) const {
  uint64_t from = since + 1;
  if (deploy_id.empty()) {
    if (since == 0) from = instance_first_seq_;
  } else if (auto it = deploy_starts_.find(deploy_id); it != deploy_starts_.end() && it->second.began_here) {
    from = std::max(from, it->second.first_seq);
  }
  // Seqs between the last one dropped and the first one kept were never
  // handed out (a fresh block starts after a hole): not lost.
  const uint64_t to = std::min(last_evicted_seq_, end);
  if (from > to) return std::nullopt;
  return std::make_pair(from, to);
}

std::optional<uint64_t> EventBus::take_seqs(uint64_t count) {
  // A run's seqs must be consecutive: take a fresh block when this one
  // cannot hold them all.
  if (next_seq_ + count > reserved_end_ && seqs_ != nullptr) {
    const uint64_t block = std::max(kSeqBlock, count);
    auto first = seqs_->reserve_event_seqs(block);
    if (first) {
      if (reserving_failed_) spdlog::info("event numbers are reserved in the database again");
      reserving_failed_ = false;
      next_seq_ = *first;
      reserved_end_ = durable_end_ = *first + block;
    } else if (next_seq_ + count <= durable_end_ + kUnreservedMargin) {
      // The next instance starts past this margin: unique still.
      if (!reserving_failed_) {
        spdlog::error("{}; numbering events past the reservation until it can be made again", first.error().message);
      }
      reserving_failed_ = true;
      reserved_end_ = std::min(next_seq_ + block, durable_end_ + kUnreservedMargin);
    } else {
      if (dropped_events_++ % 10'000 == 0) {
        spdlog::error("{}; events are not published until it can be made ({} dropped)", first.error().message,
                      dropped_events_);
      }
      return std::nullopt;
    }
  }
  const uint64_t first = next_seq_;
  next_seq_ += count;
  return first;
}

const std::string& EventBus::at_text(int64_t unix_ms) {
  if (unix_ms != at_ms_) {
    at_ms_ = unix_ms;
    at_text_ = common::iso8601_utc(unix_ms);
  }
  return at_text_;
}

void EventBus::push(Entry entry) {
  ring_bytes_ += entry.footprint;
  ring_.push_back(std::move(entry));
  ++pending_;
  // Evict the oldest, but never what is not delivered yet, nor while a
  // delivery holds pointers into the ring.
  if (!flushing_) trim(pending_);
}

void EventBus::trim(size_t keep_pending) {
  while ((ring_.size() > max_entries_ || ring_bytes_ > max_bytes_) && ring_.size() > keep_pending) {
    ring_bytes_ -= ring_.front().footprint;
    last_evicted_seq_ = ring_.front().first_seq + ring_.front().count - 1;
    ring_.pop_front();
  }
}

uint64_t EventBus::publish(std::string_view type, std::string_view deploy_id,
                           const std::function<void(common::JsonWriter&)>& fill) {
  const auto taken = take_seqs(1);
  if (!taken) return last_seq();
  auto e = std::make_shared<Event>();
  e->seq = *taken;
  e->type = type;
  e->deploy_id = deploy_id;
  common::JsonWriter w(128);
  w.begin_object().field("seq", e->seq).field("type", type).field("at", at_text(common::unix_ms()));
  w.field("deployId", deploy_id);
  if (fill) fill(w);
  w.end_object();
  e->json = std::move(w).str();
  const uint64_t seq = e->seq;
  note_deploy(deploy_id, seq, type == "deploy.queued");
  Entry entry;
  entry.first_seq = seq;
  entry.footprint = footprint(*e);
  entry.event = std::move(e);
  push(std::move(entry));
  return seq;
}

uint64_t EventBus::publish_log(LogRun run) {
  if (run.lines == 0) return last_seq();
  const auto taken = take_seqs(run.lines);
  if (!taken) return last_seq();
  Entry entry;
  entry.first_seq = *taken;
  entry.count = run.lines;
  note_deploy(run.deploy_id, entry.first_seq, false);
  entry.footprint = footprint(run);
  entry.run = std::make_shared<const LogRun>(std::move(run));
  push(std::move(entry));
  return next_seq_ - 1;
}

void EventBus::materialize(const Entry& entry, uint64_t since, const std::string& deploy_id,
                           std::vector<std::shared_ptr<const Event>>& out) const {
  if (entry.event) {
    if (entry.first_seq > since && (deploy_id.empty() || entry.event->deploy_id == deploy_id))
      out.push_back(entry.event);
    return;
  }
  const LogRun& run = *entry.run;
  if (!deploy_id.empty() && run.deploy_id != deploy_id) return;
  if (entry.first_seq + entry.count - 1 <= since || logs_ == nullptr) return;
  // The lines are in the log already: read them back rather than keeping a
  // copy of every line in memory.
  const std::string text = logs_->read_run(run.deploy_id, run.offset, run.bytes);
  const std::string at = common::iso8601_utc(run.at_ms);
  size_t pos = 0;
  for (uint32_t i = 0; i < entry.count && pos < text.size(); ++i) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const uint64_t seq = entry.first_seq + i;
    if (seq > since) {
      auto e = std::make_shared<Event>();
      e->seq = seq;
      e->type = "deploy.log";
      e->deploy_id = run.deploy_id;
      const std::string_view line = std::string_view(text).substr(pos, end - pos);
      common::JsonWriter w(line.size() + 160);
      w.begin_object().field("seq", seq).field("type", "deploy.log").field("at", at);
      w.field("deployId", run.deploy_id).field("stream", run.stream);
      if (line.size() <= kMaxEventLine) {
        w.field("line", line);
      } else {
        const size_t cut = common::utf8_safe_cut(line, kMaxEventLine);
        w.field("line", line.substr(0, cut)).field("truncated", line.size() - cut);
      }
      w.field("offset", run.offset + static_cast<int64_t>(pos)).end_object();
      e->json = std::move(w).str();
      out.push_back(std::move(e));
    }
    pos = end + 1;
  }
}

uint64_t EventBus::delivered_seq() const {
  return pending_ > 0 ? ring_[ring_.size() - pending_].first_seq - 1 : last_seq();
}

std::shared_ptr<const EventBatch> EventBus::fetched_run(const Entry& entry) {
  if (auto it = fetched_.find(entry.first_seq); it != fetched_.end()) return it->second;
  std::vector<std::shared_ptr<const Event>> owned;
  materialize(entry, 0, "", owned);
  auto batch = std::make_shared<const EventBatch>(std::move(owned));
  const size_t bytes = batch->json_bytes();
  while (!fetched_order_.empty() && fetched_bytes_ + bytes > kFetchedBytes) {
    auto old = fetched_.find(fetched_order_.front());
    fetched_bytes_ -= old->second->json_bytes();
    fetched_.erase(old);
    fetched_order_.pop_front();
  }
  fetched_.emplace(entry.first_seq, batch);
  fetched_order_.push_back(entry.first_seq);
  fetched_bytes_ += bytes;
  return batch;
}

EventBus::Page EventBus::fetch(const std::string& deploy_id, uint64_t since, size_t max_bytes) {
  Page page;
  const uint64_t end = delivered_seq();
  page.last_seq = since;
  if (since >= end) {
    page.caught_up = true;
    return page;
  }
  const uint64_t first_kept = ring_.empty() ? next_seq_ : ring_.front().first_seq;
  page.gap = lost(deploy_id, since, end);
  if (since + 1 < first_kept) page.last_seq = std::min(first_kept - 1, end);
  const size_t delivered = ring_.size() - pending_;
  // The first entry with events after last_seq (entries are in seq order).
  auto it = std::partition_point(ring_.begin(), ring_.begin() + static_cast<ptrdiff_t>(delivered),
                                 [&](const Entry& e) { return e.first_seq + e.count - 1 <= page.last_seq; });
  const auto delivered_end = ring_.begin() + static_cast<ptrdiff_t>(delivered);
  size_t bytes = 0;
  // Consecutive single events travel in one batch (one write), as live.
  std::vector<std::shared_ptr<const Event>> singles;
  auto flush_singles = [&] {
    if (singles.empty()) return;
    page.batches.push_back(std::make_shared<const EventBatch>(std::move(singles)));
    singles.clear();
  };
  for (; it != delivered_end && bytes < max_bytes; ++it) {
    const Entry& entry = *it;
    const uint64_t entry_last = entry.first_seq + entry.count - 1;
    const std::string& owner = entry.event ? entry.event->deploy_id : entry.run->deploy_id;
    if (entry.event) {
      if (deploy_id.empty() || owner == deploy_id) {
        singles.push_back(entry.event);
        bytes += entry.event->json.size();
      }
    } else if (deploy_id.empty() || owner == deploy_id) {
      flush_singles();
      std::shared_ptr<const EventBatch> batch;
      if (entry.first_seq > page.last_seq) {
        batch = fetched_run(entry);
      } else {
        // Resuming in the middle of a run: only its later lines.
        std::vector<std::shared_ptr<const Event>> owned;
        materialize(entry, page.last_seq, "", owned);
        batch = std::make_shared<const EventBatch>(std::move(owned));
      }
      bytes += batch->json_bytes();
      if (!batch->events().empty()) page.batches.push_back(std::move(batch));
    }
    page.last_seq = entry_last;
  }
  flush_singles();
  // Past the last delivered entry: caught up, even when seqs skip ahead
  // (a fresh block of seqs leaves a hole before the next entry).
  if (it == delivered_end) page.last_seq = std::max(page.last_seq, end);
  page.caught_up = page.last_seq >= end;
  page.bytes = bytes;
  return page;
}

std::unique_ptr<EventBus::Subscription> EventBus::subscribe(std::string deploy_id, Deliver deliver) {
  const uint64_t id = next_subscriber_++;
  subscribers_.emplace(id, Subscriber{std::move(deploy_id), std::move(deliver)});
  return std::unique_ptr<Subscription>(new Subscription(this, id));
}

EventBus::Subscription::~Subscription() {
  bus_->subscribers_.erase(id_);
}

void EventBus::flush() {
  flushing_ = true;
  deliver_all();
  flushing_ = false;
  trim(pending_);
}

void EventBus::deliver_all() {
  if (pending_ == 0) return;
  const size_t first_pending = ring_.size() - pending_;
  const size_t end = ring_.size();  // what a delivery publishes waits for the next turn
  pending_ = 0;
  // Nobody listens: the events stay in the ring as they are, and no line of
  // a log run is ever turned into JSON.
  if (subscribers_.empty()) return;
  auto wanted = [&](const std::string& deploy_id) {
    for (auto& [id, sub] : subscribers_) {
      if (sub.deploy_id.empty() || sub.deploy_id == deploy_id) return true;
    }
    return false;
  };
  // One batch per log run (a read of the build's output can be large: a
  // subscriber that falls behind stops taking batches between two runs)
  // and one per stretch of other events.
  for (size_t i = first_pending; i < end;) {
    std::shared_ptr<const EventBatch> batch;
    if (ring_[i].run) {
      const Entry& entry = ring_[i++];
      if (!wanted(entry.run->deploy_id)) continue;
      batch = fetched_run(entry);  // kept a while for those catching up
    } else {
      std::vector<std::shared_ptr<const Event>> owned;
      for (; i < end && ring_[i].event; ++i) owned.push_back(ring_[i].event);
      batch = std::make_shared<const EventBatch>(std::move(owned));
    }
    if (batch->events().empty()) continue;
    // A delivery may unsubscribe anyone (a transport dropping a slow
    // client): walk a snapshot of ids.
    std::vector<uint64_t> ids;
    for (auto& [id, sub] : subscribers_) ids.push_back(id);
    for (uint64_t id : ids) {
      auto it = subscribers_.find(id);
      if (it == subscribers_.end()) continue;
      if (!it->second.deploy_id.empty() && batch->matching(it->second.deploy_id).empty()) continue;
      auto deliver = it->second.deliver;
      deliver(*batch);
    }
  }
}

}  // namespace reship::back
