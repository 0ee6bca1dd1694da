#include "back/http/connection.hpp"

#include <netinet/in.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace reship::http {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// A client refused for too many connections gets this long to read its 503.
constexpr std::chrono::milliseconds kRejectLinger = 500ms;
// When to come back after a 503: a restart of reship-back takes about that.
constexpr const char* kRetryAfterSeconds = "1";

std::string peer_address(uv_stream_t* handle) {
  sockaddr_storage addr{};
  int len = sizeof addr;
  if (handle == nullptr ||
      uv_tcp_getpeername(reinterpret_cast<uv_tcp_t*>(handle), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return "unknown";
  }
  char ip[64] = {};
  if (addr.ss_family == AF_INET6) {
    const auto* a6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    uv_ip6_name(a6, ip, sizeof ip);
    return fmt::format("[{}]:{}", ip, ntohs(a6->sin6_port));
  }
  const auto* a4 = reinterpret_cast<const sockaddr_in*>(&addr);
  uv_ip4_name(a4, ip, sizeof ip);
  return fmt::format("{}:{}", ip, ntohs(a4->sin_port));
}

}  // namespace

Connection::Connection(ServerContext& server, common::uv::Stream stream, bool unix_peer)
    : server_(server), stream_(std::move(stream)), timer_(server.loop), parser_(server.limits) {
  Request& r = parser_.request();
  r.from_unix_socket_ = unix_peer;
  if (unix_peer) {
    r.remote_address_ = "unix";
    r.peer_uid_ = stream_.peer_uid();
  } else {
    // Responses are written whole; Nagle's algorithm would only delay them.
    uv_tcp_nodelay(reinterpret_cast<uv_tcp_t*>(stream_.handle()), 1);
    r.remote_address_ = peer_address(stream_.handle());
  }
}

Connection::~Connection() {
  if (exchange_) exchange_->detach();
  if (websocket_) websocket_->detach(false);
}

void Connection::start() {
  stream_.on_drain([this] { on_drained(); });
  start_reading();
  set_timer(TimerKind::header);
}

void Connection::start_reading() {
  stream_.read_start([this](std::string_view data) { on_read(data); }, [this](int status) { on_end(status); });
}

void Connection::reject() {
  rejected_ = true;
  ++server_.rejecting;
  keep_alive_ = false;
  start_reading();
  const std::string body =
      error_json("too_many_connections", "the server has too many open connections; retry shortly");
  std::string out;
  ResponseHead head;
  head.status = 503;
  head.content_type = "application/json";
  head.content_length = body.size();
  head.close = true;
  const Headers retry{{"Retry-After", kRetryAfterSeconds}};
  head.headers = &retry;
  append_response_head(out, head);
  out.append(body);
  write(std::move(out));
  close_after_writes();
}

void Connection::begin_shutdown() {
  auto self = shared_from_this();
  switch (state_) {
    case State::reading:
      // A request that has begun is answered 503 once complete. One that
      // may be on its way (a client that just connected, or reused an idle
      // connection) gets a moment to arrive, then the connection closes
      // gracefully: closing a socket that is being written to resets it.
      if (between_requests() && pending_.empty()) set_timer(TimerKind::shutdown_wait);
      break;
    case State::websocket:
      if (websocket_) websocket_->close(1001, "server shutting down");
      break;
    case State::handling:  // finishes, then closes (closes_after_response())
    case State::closing:
    case State::closed:
      break;
  }
}

void Connection::abort(bool notify) {
  if (state_ == State::closed) return;
  auto self = shared_from_this();
  state_ = State::closed;
  timer_.stop();
  stream_.close();
  std::string().swap(pending_);
  std::shared_ptr<Exchange> in_flight;
  if (exchange_ && exchange_->detach()) in_flight = exchange_;
  auto websocket = std::move(websocket_);
  if (rejected_) --server_.rejecting;
  server_.remove(this);
  if (in_flight) {
    if (notify) {
      in_flight->notify_closed();
    } else {
      in_flight->on_close_ = nullptr;
      in_flight->on_drain_ = nullptr;
    }
  }
  if (websocket) websocket->detach(notify);
}

void Connection::on_read(std::string_view data) {
  auto self = shared_from_this();
  switch (state_) {
    case State::reading:
      if (!pending_.empty()) {
        buffer(data);  // a resume is scheduled: keep the order
      } else {
        process(data);
      }
      break;
    case State::handling:
      buffer(data);
      break;
    case State::websocket:
      if (!pending_.empty()) {
        buffer(data);
      } else {
        websocket_->feed(data);
      }
      break;
    case State::closing:  // lingering: input is read and dropped
    case State::closed:
      break;
  }
}

void Connection::on_end(int status) {
  auto self = shared_from_this();
  if (writing_) {
    // A write failed inside a call from an Exchange or WebSocket method: do
    // not run user callbacks (on_close) from inside that call.
    end_deferred_ = true;
    end_status_ = status;
    server_.schedule_resume(this);
    return;
  }
  if (state_ == State::closing) {
    peer_ended_ = true;
    if (shutdown_done_ || status != UV_EOF) abort(false);
    return;
  }
  if (state_ == State::closed) return;
  if (status != UV_EOF || !between_requests() || state_ != State::reading) {
    spdlog::debug("http: {} went away ({})", parser_.request().remote_address(), common::uv::uv_error_text(status));
  }
  abort(true);
}

void Connection::on_drained() {
  auto self = shared_from_this();
  if (state_ == State::handling && exchange_) {
    auto exchange = exchange_;
    exchange->drained();
  } else if (state_ == State::websocket && websocket_) {
    auto websocket = websocket_;
    websocket->drained();
  }
}

void Connection::buffer(std::string_view data) {
  pending_.append(data);
  if (!read_paused_ && pending_.size() >= server_.options.max_pipelined_bytes) {
    read_paused_ = true;
    stream_.read_stop();
  }
}

void Connection::process(std::string_view data) {
  in_process_ = true;
  while (!data.empty() && state_ == State::reading) {
    if (needs_next_) {
      needs_next_ = false;
      parser_.next();
    }
    const auto result = parser_.feed(data);
    data.remove_prefix(result.consumed);
    if (result.status == RequestParser::Status::error) {
      const ParseError& e = parser_.error();
      spdlog::debug("http: {} sent a request refused with {} {}", parser_.request().remote_address(), e.status, e.code);
      fail(e.status, e.code, e.message);
      break;
    }
    if (result.status == RequestParser::Status::need_more) {
      const auto phase = parser_.phase();
      if (phase == RequestParser::Phase::headers && timer_kind_ != TimerKind::header) {
        set_timer(TimerKind::header);
      } else if (phase == RequestParser::Phase::body) {
        if (timer_kind_ != TimerKind::body) set_timer(TimerKind::body);
        if (parser_.expects_continue() && !continue_sent_) {
          continue_sent_ = true;
          write(std::string(kContinue));
        }
      }
      break;
    }
    dispatch();
  }
  in_process_ = false;
  if (!data.empty() && (state_ == State::handling || state_ == State::websocket)) {
    buffer(data);
    if (state_ == State::websocket) server_.schedule_resume(this);
  }
}

void Connection::dispatch() {
  set_timer(TimerKind::none);
  continue_sent_ = false;
  Request& request = parser_.request();
  state_ = State::handling;
  // After an upgrade request that is not upgraded, the bytes that follow
  // are not HTTP: answer, then close.
  keep_alive_ = request.keep_alive() && !request.is_upgrade();
  if (!exchange_ || exchange_.use_count() != 1) exchange_ = std::make_shared<Exchange>(Exchange::Key{});
  exchange_->bind(this, request.is_head(), request.http_minor() == 0);
  if (server_.shutting_down) {
    exchange_->respond_error(503, "shutting_down", "the server is shutting down; retry shortly",
                             {{"Retry-After", kRetryAfterSeconds}});
    return;
  }
  bool threw = false;
  try {
    server_.handler(request, exchange_);
  } catch (const std::exception& e) {
    threw = true;
    spdlog::error("http: the handler of {} {} failed: {}", request.method(), request.path(), e.what());
  } catch (...) {
    threw = true;
    spdlog::error("http: the handler of {} {} failed with an unknown exception", request.method(), request.path());
  }
  if (threw) {
    if (!exchange_->started()) {
      exchange_->respond_error(500, "internal_error", "the server failed to answer this request");
    } else if (!exchange_->closed()) {
      abort(true);
    }
  }
}

void Connection::fail(int status, std::string_view code, std::string_view message) {
  keep_alive_ = false;
  const std::string body = error_json(code, message);
  std::string out;
  out.reserve(200 + body.size());
  ResponseHead head;
  head.status = status;
  head.content_type = "application/json";
  head.content_length = body.size();
  head.close = true;
  append_response_head(out, head);
  out.append(body);
  write(std::move(out));
  close_after_writes();
}

bool Connection::write(std::string bytes) {
  writing_ = true;
  const bool ok = stream_.write(std::move(bytes));
  writing_ = false;
  return ok && !end_deferred_;
}

bool Connection::write_shared(std::shared_ptr<const std::string> bytes) {
  writing_ = true;
  const bool ok = stream_.write_shared(std::move(bytes));
  writing_ = false;
  return ok && !end_deferred_;
}

void Connection::exchange_finished() {
  if (state_ != State::handling) return;
  if (closes_after_response()) {
    close_after_writes();
    return;
  }
  state_ = State::reading;
  needs_next_ = true;
  set_timer(TimerKind::idle);
  if (!in_process_ && (!pending_.empty() || read_paused_)) server_.schedule_resume(this);
}

void Connection::upgraded(std::shared_ptr<WebSocket> websocket) {
  if (state_ != State::handling) return;
  state_ = State::websocket;
  websocket_ = std::move(websocket);
  set_timer(TimerKind::none);
  websocket_->start();
  if (!in_process_ && (!pending_.empty() || read_paused_)) server_.schedule_resume(this);
}

void Connection::websocket_finished() {
  if (state_ != State::websocket) return;
  websocket_.reset();
  close_after_writes();
}

void Connection::resume() {
  auto self = shared_from_this();
  if (end_deferred_) {
    end_deferred_ = false;
    on_end(end_status_);
    return;
  }
  if (state_ == State::reading && !pending_.empty()) {
    std::string data;
    data.swap(pending_);
    process(data);
  } else if (state_ == State::websocket && !pending_.empty()) {
    std::string data;
    data.swap(pending_);
    websocket_->feed(data);
  }
  if (read_paused_ && state_ != State::closed && pending_.size() < server_.options.max_pipelined_bytes) {
    read_paused_ = false;
    start_reading();
  }
}

void Connection::close_after_writes() {
  if (state_ == State::closing || state_ == State::closed) return;
  auto self = shared_from_this();
  state_ = State::closing;
  std::string().swap(pending_);
  if (websocket_) {
    websocket_->detach(false);
    websocket_.reset();
  }
  // The answer must reach a slow reader within the idle timeout.
  set_timer(TimerKind::flush);
  if (read_paused_) {
    read_paused_ = false;
    start_reading();
  }
  stream_.shutdown([this](int) { on_shutdown_done(); });
}

void Connection::on_shutdown_done() {
  auto self = shared_from_this();
  if (state_ != State::closing) return;
  shutdown_done_ = true;
  if (peer_ended_) {
    abort(false);
    return;
  }
  set_timer(TimerKind::linger);
}

void Connection::on_timer() {
  auto self = shared_from_this();
  const TimerKind kind = timer_kind_;
  timer_kind_ = TimerKind::none;
  switch (kind) {
    case TimerKind::header:
    case TimerKind::idle:
      if (state_ != State::reading) return;
      if (between_requests() && pending_.empty()) {
        abort(false);
      } else {
        spdlog::debug("http: {} was too slow to send its request headers", parser_.request().remote_address());
        fail(408, "request_timeout", "the request headers did not arrive in time");
      }
      break;
    case TimerKind::shutdown_wait:
      if (state_ != State::reading) return;
      if (between_requests() && pending_.empty()) {
        close_after_writes();
      } else {
        set_timer(TimerKind::header);  // a request has begun: it gets its answer
      }
      break;
    case TimerKind::body:
      if (state_ != State::reading) return;
      spdlog::debug("http: {} was too slow to send its request body", parser_.request().remote_address());
      fail(408, "request_timeout", "the request body did not arrive in time");
      break;
    case TimerKind::flush:
    case TimerKind::linger:
      abort(false);
      break;
    case TimerKind::none:
      break;
  }
}

void Connection::set_timer(TimerKind kind) {
  timer_kind_ = kind;
  std::chrono::milliseconds after{0};
  const ServerOptions& o = server_.options;
  switch (kind) {
    case TimerKind::none:
      timer_.stop();
      return;
    case TimerKind::header:
      after = o.header_timeout;
      break;
    case TimerKind::body:
      after = o.body_timeout;
      break;
    case TimerKind::idle:
      after = o.idle_timeout;
      break;
    case TimerKind::flush:
      after = o.idle_timeout;
      break;
    case TimerKind::shutdown_wait:
      after = o.shutdown_request_wait;
      break;
    case TimerKind::linger:
      after = rejected_ ? std::min(o.linger_timeout, kRejectLinger) : o.linger_timeout;
      break;
  }
  timer_.start(after, [this] { on_timer(); });
}

}  // namespace reship::http
