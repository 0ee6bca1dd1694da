#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace reship::back::diagnostics {

/// Picks the most telling lines out of output as it streams by, for when no
/// recogniser knows the tool: compiler errors, exceptions and the first frame
/// of their stack trace, failing tests, ERROR and FATAL lines. The first such
/// lines are kept, since later errors are most often consequences of the
/// first; noise that follows them does not push them out. With no telling
/// line at all, the last lines are what tells.
class TellingLines {
 public:
  static constexpr size_t kMaxKept = 6;
  static constexpr size_t kMaxLineChars = 240;

  /// `line` as terminal_text() gives it.
  void add(std::string_view line);
  /// The lines to show, in the order they appeared, each at most
  /// kMaxLineChars characters.
  std::vector<std::string> lines() const;

 private:
  std::vector<std::string> kept_;
  std::deque<std::string> last_;
  bool previous_was_telling_ = false;
};

/// True for a line that says what went wrong, in the words of the tools
/// builds commonly run ("error:", "Traceback", "FAILED", "npm ERR!"...).
bool is_telling(std::string_view line);

/// `line` cut to at most `max_chars` characters, with "…" for the rest.
std::string cut_chars(std::string_view line, size_t max_chars);

}  // namespace reship::back::diagnostics
