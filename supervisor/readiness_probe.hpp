#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/config/config.hpp"
#include "common/result.hpp"
#include "common/os/uv_handles.hpp"
#include "common/os/uv_stream.hpp"

namespace reship::supervisor {

/// Checks a `tcp://` or `http://` readiness address again and again until it
/// answers: a TCP connect that succeeds, or an HTTP GET answered 2xx. Retries
/// start 2 ms apart and back off to 100 ms, so that a quick service is seen
/// ready within milliseconds and a slow one costs little. Each attempt is
/// bounded (1 s). The overall ready_timeout is the service's business.
class ReadinessProbe {
 public:
  /// `on_ready` runs once, from the loop. `last_error` tells, on timeout, what
  /// the last attempt saw ("connection refused", "answered 503").
  ReadinessProbe(uv_loop_t* loop, const common::Readiness& target, std::function<void()> on_ready);
  ReadinessProbe(const ReadinessProbe&) = delete;
  ReadinessProbe& operator=(const ReadinessProbe&) = delete;

  const std::string& last_error() const { return last_error_; }

 private:
  void attempt();
  void retry(std::string error);
  void on_connected(int status);
  void on_response(std::string_view data);

  uv_loop_t* loop_;
  common::Readiness target_;
  std::function<void()> on_ready_;
  sockaddr_storage addr_{};
  bool addr_ok_ = false;
  common::uv::Stream conn_;
  common::uv::Timer retry_timer_;
  common::uv::Timer attempt_timer_;
  std::string response_;
  std::string last_error_ = "no attempt yet";
  int delay_ms_ = 2;
};

/// Parses the status code out of an HTTP response's first line
/// ("HTTP/1.1 204 No Content" -> 204). 0 when the line is not complete yet,
/// -1 when it is not an HTTP status line.
int parse_http_status(std::string_view response);

}  // namespace reship::supervisor
