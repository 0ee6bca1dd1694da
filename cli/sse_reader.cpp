#include "cli/sse_reader.hpp"

namespace reship::cli {

bool SseReader::feed(std::string_view data, const std::function<bool(const SseEvent&)>& on_event) {
  for (size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;  // CRLF: the CR already ended the line
    }
    if (c == '\n' || c == '\r') {
      after_cr_ = c == '\r';
      const std::string text = std::move(partial_);
      partial_.clear();
      if (!line(text, on_event)) return false;
      continue;
    }
    if (partial_.size() < max_event_) {
      partial_.push_back(c);
    } else {
      oversized_ = true;
    }
  }
  return true;
}

bool SseReader::line(std::string_view text, const std::function<bool(const SseEvent&)>& on_event) {
  if (text.empty()) {
    // Dispatch: only events that carried data count.
    const bool dispatch = has_data_ && !oversized_;
    SseEvent event = std::move(current_);
    current_ = SseEvent{};
    has_data_ = false;
    oversized_ = false;
    if (!dispatch) return true;
    if (event.type.empty()) event.type = "message";
    if (!event.id.empty()) last_id_ = event.id;
    return on_event(event);
  }
  if (text.front() == ':') return true;  // a comment (heartbeats)
  const size_t colon = text.find(':');
  std::string_view field = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) current_.data.push_back('\n');
    current_.data.append(value);
    has_data_ = true;
    if (current_.data.size() > max_event_) oversized_ = true;
  } else if (field == "event") {
    current_.type = std::string(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) current_.id = std::string(value);
  }
  return true;
}

}  // namespace reship::cli
