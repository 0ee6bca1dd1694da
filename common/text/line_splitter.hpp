#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace reship::common {

/// Splits one output stream of a build into lines as bytes arrive in chunks
/// of any size. A line is what ends with '\n' (kept out of the line); the
/// last bytes before EOF form a line too. Bytes are passed through as they
/// are: '\r' progress bars stay in their line, invalid UTF-8 is the caller's
/// to sanitize. A line longer than `max_line` is cut into pieces of that size
/// (so memory stays bounded whatever the build prints).
class LineSplitter {
 public:
  static constexpr size_t kDefaultMaxLine = 4 * 1024 * 1024;

  explicit LineSplitter(size_t max_line = kDefaultMaxLine) : max_line_(max_line > 0 ? max_line : 1) {}

  /// Calls on_line(std::string_view) for each line completed by `data`.
  template <class OnLine>
  void feed(std::string_view data, OnLine&& on_line) {
    while (!data.empty()) {
      const size_t room = max_line_ - partial_.size();
      const size_t nl = data.substr(0, room + 1).find('\n');
      if (nl == std::string_view::npos) {
        if (data.size() <= room) {
          partial_.append(data);
          return;
        }
        // No newline within the cap: emit a full piece and go on.
        partial_.append(data.substr(0, room));
        data.remove_prefix(room);
        on_line(std::string_view(partial_));
        partial_.clear();
        continue;
      }
      if (partial_.empty()) {
        on_line(data.substr(0, nl));
      } else {
        partial_.append(data.substr(0, nl));
        on_line(std::string_view(partial_));
        partial_.clear();
      }
      data.remove_prefix(nl + 1);
    }
  }

  /// At EOF: emits what is left as a last line, if anything.
  template <class OnLine>
  void finish(OnLine&& on_line) {
    if (partial_.empty()) return;
    on_line(std::string_view(partial_));
    partial_.clear();
  }

  size_t pending() const { return partial_.size(); }

 private:
  size_t max_line_;
  std::string partial_;
};

}  // namespace reship::common
