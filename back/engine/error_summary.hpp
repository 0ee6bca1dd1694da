#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace reship::back {

/// Picks the most telling lines out of output as it streams by: compiler
/// errors, exceptions and the first frame of their stack trace, failing
/// tests, ERROR and FATAL lines. The first such lines are kept, since later
/// errors are most often consequences of the first; noise that follows them
/// does not push them out. With no telling line at all, the last lines are
/// what tells.
class ErrorCollector {
 public:
  static constexpr size_t kMaxKept = 6;
  static constexpr size_t kMaxLineChars = 240;

  void add(std::string_view line);
  /// The lines to show, in the order they appeared.
  std::vector<std::string> telling_lines() const;

 private:
  std::vector<std::string> kept_;
  std::deque<std::string> last_;
  bool previous_was_telling_ = false;
};

/// A short summary of a failed build: the way it ended ("exited with code 2",
/// "timed out after 30m") and the telling lines. At most a few lines, well
/// under 2 KB.
std::string build_failure_summary(const std::string& how_it_ended, const ErrorCollector& output);

/// One failed restart: the service, the supervisor's error, and the telling
/// lines of the service's last output.
std::string restart_failure_summary(const std::string& service, const std::string& error, const std::string& output);

/// Joins summary parts and keeps the whole under `max_bytes` (cut at a line
/// or character boundary).
std::string cap_summary(const std::string& text, size_t max_bytes = 1800);

/// The line without ANSI escape sequences (colors, cursor moves) and with
/// invalid UTF-8 replaced, trimmed, at most `max_chars` long.
std::string clean_line(std::string_view line, size_t max_chars = ErrorCollector::kMaxLineChars);

}  // namespace reship::back
