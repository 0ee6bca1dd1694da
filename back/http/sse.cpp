#include "back/http/sse.hpp"

namespace reship::http {
namespace {

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  for (const char c : value) {
    if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
  }
  out.push_back('\n');
}

}  // namespace

void append_sse_event(std::string& out, std::string_view id, std::string_view event, std::string_view data) {
  out.reserve(out.size() + id.size() + event.size() + data.size() + 32);
  if (!id.empty()) append_field(out, "id", id);
  if (!event.empty()) append_field(out, "event", event);
  // One data: line per line of `data`. An empty `data` (or a final line
  // break) gives an empty data: line, so that the client rebuilds exactly
  // `data` (lines joined with LF).
  size_t start = 0;
  while (true) {
    const size_t stop = data.find_first_of("\r\n", start);
    out.append("data: ");
    out.append(data.substr(start, stop == std::string_view::npos ? std::string_view::npos : stop - start));
    out.push_back('\n');
    if (stop == std::string_view::npos) break;
    start = stop + 1;
    if (data[stop] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
  out.push_back('\n');
}

std::string format_sse_event(std::string_view id, std::string_view event, std::string_view data) {
  std::string out;
  append_sse_event(out, id, event, data);
  return out;
}

std::string format_sse_retry(unsigned milliseconds) {
  return "retry: " + std::to_string(milliseconds) + "\n\n";
}

}  // namespace reship::http
