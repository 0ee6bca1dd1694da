#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace reship::ipc {

/// The longest line the protocol allows, newline excluded (contract 2: 64 KiB).
inline constexpr size_t kMaxLineBytes = 64 * 1024;

/// Splits a byte stream into '\n'-terminated lines (a trailing '\r' is
/// dropped), holding at most one partial line. A line longer than the cap is
/// an error: the caller answers line_too_long and closes the connection.
class LineFramer {
 public:
  explicit LineFramer(size_t max_line = kMaxLineBytes) : max_line_(max_line) {}

  enum class Status { ok, too_long };

  /// Calls on_line(std::string_view) for each complete line in `data`. The
  /// view is valid only during the call. Stops at the first line that is too
  /// long, or when on_line returns false.
  template <class OnLine>
  Status feed(std::string_view data, OnLine&& on_line) {
    while (!data.empty()) {
      const size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        if (partial_.size() + data.size() > max_line_) return Status::too_long;
        partial_.append(data);
        return Status::ok;
      }
      std::string_view line = data.substr(0, nl);
      data.remove_prefix(nl + 1);
      if (!partial_.empty()) {
        if (partial_.size() + line.size() > max_line_) return Status::too_long;
        partial_.append(line);
        std::string whole = std::move(partial_);
        partial_.clear();
        if (!deliver(whole, on_line)) return Status::ok;
      } else {
        if (line.size() > max_line_) return Status::too_long;
        if (!deliver(line, on_line)) return Status::ok;
      }
    }
    return Status::ok;
  }

  /// Bytes of the partial line held so far.
  size_t pending() const { return partial_.size(); }

 private:
  template <class OnLine>
  static bool deliver(std::string_view line, OnLine& on_line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return true;  // blank lines between messages are harmless
    return on_line(line);
  }

  size_t max_line_;
  std::string partial_;
};

}  // namespace reship::ipc
