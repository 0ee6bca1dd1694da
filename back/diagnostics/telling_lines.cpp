#include "back/diagnostics/telling_lines.hpp"

#include <algorithm>
#include <cctype>

#include "back/diagnostics/text.hpp"

namespace reship::back::diagnostics {
namespace {

// True when `word` appears in `line` as a word of its own, in capitals
// ("ERROR", "FATAL"), not inside another word.
bool has_capital_word(std::string_view line, std::string_view word) {
  size_t pos = 0;
  while ((pos = line.find(word, pos)) != std::string_view::npos) {
    const bool left = pos == 0 || !std::isalpha(static_cast<unsigned char>(line[pos - 1]));
    const size_t end = pos + word.size();
    const bool right = end >= line.size() || !std::isalpha(static_cast<unsigned char>(line[end]));
    if (left && right) return true;
    pos = end;
  }
  return false;
}

// The first frame of a stack trace, worth showing right after its error.
bool is_stack_frame(std::string_view raw) {
  const std::string_view line = trim_left(raw);
  if (line.size() == raw.size()) return false;  // frames are indented
  return line.starts_with("at ") || line.starts_with("File \"");
}

}  // namespace

bool is_telling(std::string_view raw) {
  const std::string_view line = trim_left(raw);
  if (line.empty()) return false;
  return contains(line, "error:") ||            // gcc, clang, rustc, tsc "file: error: ..."
         contains(line, ": error TS") ||        // tsc "file(1,2): error TS2322"
         contains(line, "error[E") ||           // rustc
         contains(line, "Error:") ||            // JS/Python exceptions: "TypeError: ..."
         contains(line, "Exception") ||         // Java, Python
         line.starts_with("Traceback (most recent call last)") ||
         has_capital_word(line, "ERROR") || has_capital_word(line, "FATAL") || line.starts_with("fatal:") ||
         line.starts_with("panic:") ||
         line.starts_with("FAIL ") || line.starts_with("FAIL\t") ||  // jest, go test
         line.starts_with("--- FAIL") ||       // go test
         line.starts_with("not ok ") ||        // TAP
         contains(line, "FAILED") ||           // pytest, ctest, make
         line.starts_with("npm ERR!") || contains(line, "ERR_PNPM") || line.starts_with("make: ***") ||
         contains(line, "Assertion") || contains(line, "AssertionError") || contains(line, "✕") ||
         contains(line, "✗");
}

std::string cut_chars(std::string_view line, size_t max_chars) {
  // Count characters, not bytes, so that the cut never splits one.
  size_t chars = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80 && ++chars > max_chars) {
      return std::string(line.substr(0, i)) + "…";
    }
  }
  return std::string(line);
}

void TellingLines::add(std::string_view line) {
  if (kept_.size() < kMaxKept) {
    if (is_telling(line)) {
      std::string cut = cut_chars(line, kMaxLineChars);
      if (std::find(kept_.begin(), kept_.end(), cut) == kept_.end()) kept_.push_back(std::move(cut));
      previous_was_telling_ = true;
      return;
    }
    if (previous_was_telling_ && is_stack_frame(line)) kept_.push_back(cut_chars(line, kMaxLineChars));
  }
  previous_was_telling_ = false;
  if (trim_left(line).empty()) return;
  last_.push_back(cut_chars(line, kMaxLineChars));
  if (last_.size() > 3) last_.pop_front();
}

std::vector<std::string> TellingLines::lines() const {
  if (!kept_.empty()) return kept_;
  return {last_.begin(), last_.end()};
}

}  // namespace reship::back::diagnostics
