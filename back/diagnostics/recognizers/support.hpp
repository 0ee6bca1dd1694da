#pragma once

// What several recognisers need: small line tests and frame choices.

#include <optional>
#include <string_view>

#include "back/diagnostics/location.hpp"
#include "back/diagnostics/paths.hpp"
#include "back/diagnostics/recognizer.hpp"
#include "back/diagnostics/text.hpp"

namespace reship::back::diagnostics {

/// A line that only points under the one above: spaces and ^ ~ - + | (at
/// least one ^ or ~).
inline bool is_caret_line(std::string_view s) {
  bool mark = false;
  for (const char c : s) {
    if (c == '^' || c == '~') {
      mark = true;
    } else if (c != ' ' && c != '\t' && c != '-' && c != '+' && c != '|') {
      return false;
    }
  }
  return mark;
}

/// A line made of one character repeated, with maybe a title inside:
/// "===== FAILURES =====", "______ test_x ______".
inline bool is_banner(std::string_view s, char c) {
  return s.size() >= 6 && s.front() == c && s.back() == c && s.substr(0, 3) == std::string(3, c);
}

/// Sets the location of `d` from `at` (file, line, column).
inline void locate(Diagnostic& d, const Located& at) {
  d.file = std::string(at.file);
  d.line = at.line;
  d.column = at.column;
}

/// True when `file` is the project's own, as `line` says where it runs.
inline bool is_project_file(std::string_view file, const OutputLine& line) {
  return !file.empty() && !is_third_party(file, line.workdir);
}

}  // namespace reship::back::diagnostics
