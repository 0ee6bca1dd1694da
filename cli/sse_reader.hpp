#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace reship::cli {

/// One Server-Sent Event as dispatched by the reader.
struct SseEvent {
  std::string id;
  std::string type;  // "message" when the stream gave none
  std::string data;
};

/// Parses a Server-Sent Events stream fed in pieces of any size, as the
/// EventSource parser does (HTML standard, 9.2.6): lines end with LF, CRLF
/// or CR; ":" starts a comment; "data" lines join with LF; a blank line
/// dispatches the event. Memory is bounded: an event over `max_event` bytes
/// is dropped whole.
class SseReader {
 public:
  explicit SseReader(size_t max_event = 16 * 1024 * 1024) : max_event_(max_event) {}

  /// Calls on_event for each event completed by `data`; stops when it
  /// returns false (and returns false then).
  bool feed(std::string_view data, const std::function<bool(const SseEvent&)>& on_event);
  /// The id of the last event dispatched ("" before any).
  const std::string& last_id() const { return last_id_; }

 private:
  bool line(std::string_view text, const std::function<bool(const SseEvent&)>& on_event);

  size_t max_event_;
  std::string partial_;
  bool after_cr_ = false;
  SseEvent current_;
  bool has_data_ = false;
  bool oversized_ = false;
  std::string last_id_;
};

}  // namespace reship::cli
