// The live routes: Server-Sent Events, the WebSocket, and `log?follow=1`.
// Each is a Stream kept by the Api until its client goes or shutdown ends it.

#include <malloc.h>

#include <charconv>

#include <spdlog/spdlog.h>

#include "back/api/api.hpp"
#include "back/http/sse.hpp"
#include "common/text/escape.hpp"
#include "common/text/json_read.hpp"
#include "common/text/json_writer.hpp"

namespace reship::api {

/// A live response, ended by its client or by close().
class Api::Stream {
 public:
  virtual ~Stream() = default;
  virtual void close() = 0;
};

namespace {

std::optional<uint64_t> parse_seq(std::optional<std::string_view> text) {
  if (!text || text->empty()) return std::nullopt;
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size()) return std::nullopt;
  return value;
}

}  // namespace

// ?since=N: absent, or the seq of an event this server handed out.
common::Result<std::optional<uint64_t>> Api::checked_since(std::optional<std::string_view> text) const {
  if (!text) return std::optional<uint64_t>{};
  auto seq = parse_seq(text);
  if (!seq) {
    return common::Error{"since must be the seq of an event (a number 0 or above), not \"" +
                         common::escape_controls(text->substr(0, 40)) + "\""};
  }
  if (*seq > parts_.events.last_seq()) {
    return common::Error{"since " + std::to_string(*seq) + " is past the last event (seq " +
                         std::to_string(parts_.events.last_seq()) + "); use 0 for every event kept"};
  }
  return seq;
}

namespace {

// One event as Server-Sent Events: "id: SEQ\nevent: TYPE\ndata: JSON\n\n".
void sse_encode(std::string& out, const back::Event& e) {
  http::append_sse_event(out, std::to_string(e.seq), e.type, e.json);
}

std::string gap_json(const std::pair<uint64_t, uint64_t>& gap) {
  common::JsonWriter w;
  w.begin_object()
      .field("type", "stream.gap")
      .field("from", gap.first)
      .field("to", gap.second)
      .field("message", "these events are no longer kept; read the deploy logs by offset instead")
      .end_object();
  return std::move(w).str();
}

// ---- Server-Sent Events and WebSocket ----------------------------------------------

// What SSE and WebSocket subscribers share: live batches while the client
// keeps up; when its unsent output passes Api::kHighWater, no more live
// batches but pages fetched from the ring, a step per loop turn through the
// CatchUpQueue, each time its queue has emptied, until it has caught up. A
// slow client never slows a build, never makes the server buffer the whole
// log, and misses nothing the ring still has.
class Subscriber : public CatchUpQueue::Client {
 protected:
  Subscriber(back::EventBus& bus, CatchUpQueue& queue) : bus_(bus), queue_(queue) {}

  virtual bool gone() const = 0;
  virtual size_t queued() const = 0;
  /// Writes the batch's events for this subscriber. A writer that stops
  /// early, its client's queue full, returns the seq of the last event it
  /// wrote (the rest is then read back from the ring).
  virtual std::optional<uint64_t> write(const back::EventBatch& batch) = 0;
  virtual void write_gap(const std::pair<uint64_t, uint64_t>& gap) = 0;
  /// Catching up is over: live batches take over from here.
  virtual void caught_up() {}

  /// Follows `deploy_id` (all when empty); with `since`, starts by catching
  /// up from there. `self` receives the live batches.
  template <class Self>
  void follow(const std::shared_ptr<Self>& self, std::string deploy_id, std::optional<uint64_t> since) {
    self_ = self;
    deploy_id_ = std::move(deploy_id);
    cursor_ = since.value_or(bus_.delivered_seq());
    catching_up_ = since.has_value();
    std::weak_ptr<Self> weak = self;
    sub_ = bus_.subscribe(deploy_id_, [weak](const back::EventBatch& batch) {
      if (auto s = weak.lock()) s->on_batch(batch);
    });
    if (catching_up_) queue_.want(self);
  }

  void on_batch(const back::EventBatch& batch) {
    if (catching_up_ || gone()) return;  // catch-up steps read these from the ring
    if (queued() > Api::kHighWater) {
      catching_up_ = true;  // on_drained() queues the first step
      return;
    }
    if (batch.gap()) write_gap(*batch.gap());
    if (auto stopped = write(batch)) {
      cursor_ = std::max(cursor_, *stopped);
      catching_up_ = true;  // on_drained() queues the first step
      return;
    }
    if (!batch.events().empty()) cursor_ = std::max(cursor_, batch.events().back()->seq);
  }

  /// Called when everything written to the client has gone out.
  void on_drained() {
    if (!catching_up_) return;
    if (auto self = self_.lock()) queue_.want(self);
  }

  size_t catch_up_step(bool& more) override {
    more = false;
    if (!catching_up_ || !sub_ || gone()) return 0;
    auto page = bus_.fetch(deploy_id_, cursor_, Api::kCatchUpPage);
    if (page.gap) write_gap(*page.gap);
    for (const auto& batch : page.batches) {
      if (auto stopped = write(*batch)) {
        // The client's queue is full: go on from there once it drains.
        cursor_ = std::max(cursor_, *stopped);
        return page.bytes;
      }
    }
    // A page that does not move on would be asked for forever: rejoin the
    // live stream rather than spin (fetch() never does this).
    if (page.caught_up || page.last_seq <= cursor_) catching_up_ = false;
    cursor_ = std::max(cursor_, page.last_seq);
    if (!catching_up_) caught_up();
    // With more to send, step again next turn while the client's queue is
    // short; past kHighWater, on_drained() asks again.
    more = catching_up_ && queued() <= Api::kHighWater;
    return page.bytes;
  }

  back::EventBus& bus_;
  std::string deploy_id_;
  std::unique_ptr<back::EventBus::Subscription> sub_;

 private:
  CatchUpQueue& queue_;
  std::weak_ptr<CatchUpQueue::Client> self_;
  uint64_t cursor_ = 0;  // the last seq written (or skipped as not ours)
  bool catching_up_ = false;
};

// With ?deployId=, the stream ends after that deploy's deploy.done (or, for
// a deploy that had ended already, once what is kept of it after `since`
// has been sent): a follower needs nothing more, and a plain HTTP client
// sees the end as the end of the body.
class SseStream final : public Subscriber, public std::enable_shared_from_this<SseStream> {
 public:
  SseStream(uv_loop_t* loop, back::EventBus& bus, CatchUpQueue& queue, std::shared_ptr<http::Exchange> ex,
            std::string deploy_id, bool deploy_ended)
      : Subscriber(bus, queue),
        ex_(std::move(ex)),
        requested_id_(std::move(deploy_id)),
        deploy_ended_(deploy_ended),
        heartbeat_(loop),
        end_timer_(loop) {}

  void start(std::optional<uint64_t> since, std::function<void()> on_end) {
    on_end_ = std::move(on_end);
    auto self = weak_from_this();
    ex_->on_close([self] {
      if (auto s = self.lock()) s->end();
    });
    ex_->on_drain([self] {
      if (auto s = self.lock()) s->on_drained();
    });
    // Ask clients to come back quickly after a drop; say where the stream starts.
    ex_->write(http::format_sse_retry(2000));
    ex_->write(": reship events from seq " + std::to_string((since ? *since : bus_.last_seq()) + 1) + "\n\n");
    heartbeat_.start_repeating(Api::kHeartbeat, [self] {
      if (auto s = self.lock()) s->ex_->write(std::string(http::kSseHeartbeat));
    });
    follow(shared_from_this(), requested_id_, since);
    // Live events only, of a deploy that will publish none: nothing to wait for.
    if (deploy_ended_ && !since) end_soon();
  }

  void end() {
    heartbeat_.stop();
    end_timer_.stop();
    sub_.reset();
    if (!ex_->closed()) ex_->end();
    if (auto fn = std::move(on_end_)) fn();
  }

 private:
  bool gone() const override { return ex_->closed(); }
  size_t queued() const override { return ex_->write_queue_size(); }
  // One text shared by every SSE client: written whole.
  std::optional<uint64_t> write(const back::EventBatch& batch) override {
    if (ending_) return std::nullopt;
    if (auto text = batch.encoded(deploy_id_, &sse_encode)) ex_->write_shared(std::move(text));
    if (deploy_id_.empty()) return std::nullopt;
    for (const back::Event* e : batch.matching(deploy_id_)) {
      if (e->type == "deploy.done") end_soon();
    }
    return std::nullopt;
  }
  void write_gap(const std::pair<uint64_t, uint64_t>& gap) override {
    if (!ending_) ex_->write(http::format_sse_event("", "stream.gap", gap_json(gap)));
  }
  void caught_up() override {
    if (deploy_ended_) end_soon();
  }
  // Ends on the next loop turn: this may run inside the bus's delivery or a
  // catch-up step, which go on using the stream.
  void end_soon() {
    if (ending_) return;
    ending_ = true;
    std::weak_ptr<SseStream> weak = weak_from_this();
    end_timer_.start(common::Millis(0), [weak] {
      if (auto s = weak.lock()) s->end();
    });
  }

  std::shared_ptr<http::Exchange> ex_;
  std::string requested_id_;
  bool deploy_ended_;
  bool ending_ = false;
  common::uv::Timer heartbeat_;
  common::uv::Timer end_timer_;
  std::function<void()> on_end_;
};

class WsStream final : public Subscriber, public std::enable_shared_from_this<WsStream> {
 public:
  WsStream(std::shared_ptr<http::WebSocket> ws, back::EventBus& bus, CatchUpQueue& queue)
      : Subscriber(bus, queue), ws_(std::move(ws)) {}

  void start(std::string deploy_id, std::optional<uint64_t> since, std::function<void()> on_end) {
    on_end_ = std::move(on_end);
    auto self = weak_from_this();
    ws_->on_close([self](int, std::string_view) {
      if (auto s = self.lock()) s->end();
    });
    ws_->on_message([self](std::string_view text) {
      if (auto s = self.lock()) s->on_message(text);
    });
    ws_->on_drain([self] {
      if (auto s = self.lock()) s->on_drained();
    });
    follow(shared_from_this(), std::move(deploy_id), since);
  }

  // {"subscribe":{"deployId":"…","since":N}} changes what this socket gets.
  void on_message(std::string_view text) {
    simdjson::dom::parser parser;
    auto element = common::parse_json(parser, text);
    simdjson::dom::object object;
    simdjson::dom::object sub;
    if (!element || element->get_object().get(object) || object["subscribe"].get_object().get(sub)) {
      ws_->send_text(
          R"({"type":"error","code":"bad_request","message":"send {\"subscribe\":{\"deployId\":\"…\",\"since\":N}}"})");
      return;
    }
    common::JsonFields f(sub);
    std::string deploy_id(f.string("deployId").value_or(""));
    std::optional<uint64_t> since;
    if (auto n = f.integer("since"); n && *n >= 0) since = static_cast<uint64_t>(*n);
    if (f.error()) {
      ws_->send_text(
          R"({"type":"error","code":"bad_request","message":"deployId must be a string and since a number"})");
      return;
    }
    follow(shared_from_this(), std::move(deploy_id), since);
  }

  void end() {
    sub_.reset();
    if (!ws_->closed()) ws_->close(1001, "server going away");
    if (auto fn = std::move(on_end_)) fn();
  }

 private:
  bool gone() const override { return ws_->closed(); }
  size_t queued() const override { return ws_->write_queue_size(); }
  // A frame per event, copied per client, all of a batch in one write: up
  // to kHighWater queued (and one event more), the rest left to catch-up.
  std::optional<uint64_t> write(const back::EventBatch& batch) override {
    std::vector<std::string_view> texts;
    size_t queued_bytes = queued();
    std::optional<uint64_t> stopped;
    for (const back::Event* e : batch.matching(deploy_id_)) {
      if (queued_bytes > Api::kHighWater) {
        stopped = e->seq - 1;
        break;
      }
      texts.push_back(e->json);
      queued_bytes += e->json.size();
    }
    ws_->send_texts(texts);
    return stopped;
  }
  void write_gap(const std::pair<uint64_t, uint64_t>& gap) override { ws_->send_text(gap_json(gap)); }

  std::shared_ptr<http::WebSocket> ws_;
  std::function<void()> on_end_;
};

// ---- log?follow=1 -------------------------------------------------------------------

class LogFollow final : public std::enable_shared_from_this<LogFollow> {
 public:
  /// Read and sent a piece at a time, never more than kHeld + kChunk held
  /// for a client that does not read.
  static constexpr size_t kChunk = 128 * 1024;
  static constexpr size_t kHeld = 1024 * 1024;

  LogFollow(std::shared_ptr<http::Exchange> ex, std::string id, int64_t offset, back::LogStore& logs,
            back::DeployService& deploys)
      : ex_(std::move(ex)), id_(std::move(id)), offset_(offset), logs_(logs), deploys_(deploys) {}

  void start(back::EventBus& bus, std::function<void()> on_end) {
    on_end_ = std::move(on_end);
    auto self = weak_from_this();
    ex_->on_close([self] {
      if (auto s = self.lock()) s->end();
    });
    ex_->on_drain([self] {
      if (auto s = self.lock()) s->pump();
    });
    sub_ = bus.subscribe(id_, [self](const back::EventBatch&) {
      if (auto s = self.lock()) s->pump();
    });
    pump();
  }

  // Sends what the log holds beyond what was sent, while the client keeps
  // up; ends once the deploy has ended and everything is sent.
  void pump() {
    if (ex_->closed()) {
      end();
      return;
    }
    while (ex_->write_queue_size() < kHeld) {
      int64_t size = 0;
      auto bytes = logs_.read(id_, offset_, kChunk, &size);
      if (!bytes || bytes->empty()) break;
      offset_ += static_cast<int64_t>(bytes->size());
      ex_->write(std::move(*bytes));
    }
    if (!deploys_.is_active(id_)) {
      int64_t size = 0;
      (void)logs_.read(id_, offset_, 0, &size);
      if (offset_ >= size) {
        ex_->end();
        end();
      }
    }
  }

  void end() {
    sub_.reset();
    if (auto fn = std::move(on_end_)) fn();
  }

 private:
  std::shared_ptr<http::Exchange> ex_;
  std::string id_;
  int64_t offset_;
  back::LogStore& logs_;
  back::DeployService& deploys_;
  std::unique_ptr<back::EventBus::Subscription> sub_;
  std::function<void()> on_end_;
};

// Adapts the three kinds to the Api's list of live streams.
template <class T>
class Holder final : public Api::Stream {
 public:
  explicit Holder(std::shared_ptr<T> stream) : stream_(std::move(stream)) {}
  void close() override { stream_->end(); }

 private:
  std::shared_ptr<T> stream_;
};

}  // namespace

void Api::stream_ended(uint64_t key) {
  streams_.erase(key);
  // What many silent readers held (up to kHighWater each) goes back to the
  // system once they are gone, not only to malloc's free lists: a moment
  // later, when their connections have closed and freed what they queued
  // (a burst of ends is trimmed once).
  if (++ended_since_trim_ >= 64 || (streams_.empty() && ended_since_trim_ >= 4)) {
    ended_since_trim_ = 0;
    if (!trim_timer_.active()) trim_timer_.start(std::chrono::milliseconds(100), [] { ::malloc_trim(0); });
  }
}

void Api::events(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  if (!authenticate(req, ex)) return;
  // Last-Event-ID (sent by EventSource on reconnect) wins over ?since=.
  auto since = parse_seq(req.header("last-event-id"));
  if (since && *since > parts_.events.last_seq()) {
    // Not an id this server handed out: a browser cannot be told 400, so
    // it gets what comes from now on.
    since = parts_.events.last_seq();
  }
  if (!since) {
    auto checked = checked_since(req.query("since"));
    if (!checked) {
      respond_error(ex, {400, "bad_request", checked.error().message});
      return;
    }
    since = *checked;
  }
  std::string deploy_id(req.query("deployId").value_or(""));
  bool deploy_ended = false;
  if (!deploy_id.empty()) {
    if (!valid_id(deploy_id, ex)) return;
    if (!parts_.deploys.is_active(deploy_id)) {
      if (!parts_.deploys.get(deploy_id)) {
        respond_error(ex, {404, "not_found", "no deploy " + deploy_id});
        return;
      }
      deploy_ended = true;
    }
  }
  if (!ex->begin_stream(200, "text/event-stream", {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}})) return;
  metrics_.http_request(200);
  auto stream =
      std::make_shared<SseStream>(parts_.loop, parts_.events, catch_up_, ex, std::move(deploy_id), deploy_ended);
  const uint64_t key = next_stream_++;
  streams_.emplace(key, std::make_shared<Holder<SseStream>>(stream));
  std::weak_ptr<bool> alive = alive_;
  stream->start(since, [this, alive, key] {
    if (!alive.expired()) stream_ended(key);
  });
}

void Api::websocket(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  if (!authenticate(req, ex)) return;
  auto checked = checked_since(req.query("since"));
  if (!checked) {
    respond_error(ex, {400, "bad_request", checked.error().message});
    return;
  }
  auto since = *checked;
  std::string deploy_id(req.query("deployId").value_or(""));
  auto ws = ex->accept_websocket();
  if (!ws) return;  // the handshake was refused, and answered
  metrics_.http_request(101);
  auto stream = std::make_shared<WsStream>(ws, parts_.events, catch_up_);
  const uint64_t key = next_stream_++;
  streams_.emplace(key, std::make_shared<Holder<WsStream>>(stream));
  std::weak_ptr<bool> alive = alive_;
  stream->start(std::move(deploy_id), since, [this, alive, key] {
    if (!alive.expired()) stream_ended(key);
  });
}

void Api::follow_log(const std::shared_ptr<http::Exchange>& ex, const std::string& id, int64_t offset) {
  if (!ex->begin_stream(200, "text/plain; charset=utf-8")) return;
  metrics_.http_request(200);
  auto stream = std::make_shared<LogFollow>(ex, id, offset, parts_.logs, parts_.deploys);
  const uint64_t key = next_stream_++;
  streams_.emplace(key, std::make_shared<Holder<LogFollow>>(stream));
  std::weak_ptr<bool> alive = alive_;
  stream->start(parts_.events, [this, alive, key] {
    if (!alive.expired()) stream_ended(key);
  });
}

void Api::close_streams() {
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [key, stream] : streams) stream->close();
}

}  // namespace reship::api
