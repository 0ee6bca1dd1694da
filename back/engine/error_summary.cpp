#include "back/engine/error_summary.hpp"

#include <algorithm>
#include <cctype>

#include "common/text/utf8.hpp"

namespace reship::back {
namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

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

// Lines that say what went wrong, across the tools builds commonly run.
bool is_telling(std::string_view raw) {
  const std::string_view line = trim_left(raw);
  if (line.empty()) return false;
  return contains(line, "error:") ||            // gcc, clang, rustc, tsc "file: error: ..."
         contains(line, ": error TS") ||        // tsc "file(1,2): error TS2322"
         contains(line, "error[E") ||           // rustc
         contains(line, "Error:") ||            // JS/Python exceptions: "TypeError: ..."
         contains(line, "Exception") ||         // Java, Python
         starts_with(line, "Traceback (most recent call last)") ||
         has_capital_word(line, "ERROR") || has_capital_word(line, "FATAL") || starts_with(line, "fatal:") ||
         starts_with(line, "panic:") ||
         starts_with(line, "FAIL ") || starts_with(line, "FAIL\t") ||  // jest, go test
         starts_with(line, "--- FAIL") ||       // go test
         starts_with(line, "not ok ") ||        // TAP
         contains(line, "FAILED") ||            // pytest, ctest, make
         starts_with(line, "npm ERR!") || contains(line, "ERR_PNPM") || starts_with(line, "make: ***") ||
         contains(line, "Assertion") || contains(line, "AssertionError") || contains(line, "✕") ||
         contains(line, "✗");
}

// The first frame of a stack trace, worth showing right after its error.
bool is_stack_frame(std::string_view raw) {
  const std::string_view line = trim_left(raw);
  if (line.size() == raw.size()) return false;  // frames are indented
  return starts_with(line, "at ") || starts_with(line, "File \"");
}

}  // namespace

std::string clean_line(std::string_view line, size_t max_chars) {
  std::string stripped;
  stripped.reserve(std::min(line.size(), max_chars * 4));
  for (size_t i = 0; i < line.size() && stripped.size() < max_chars * 4; ++i) {
    const char c = line[i];
    if (c == '\x1b') {
      // CSI: ESC [ params final-byte (0x40-0x7E); other escapes: ESC + one byte.
      if (i + 1 < line.size() && line[i + 1] == '[') {
        i += 2;
        while (i < line.size() && !(line[i] >= 0x40 && line[i] <= 0x7E)) ++i;
      } else {
        ++i;
      }
      continue;
    }
    if (c == '\r') {
      stripped.clear();  // a progress bar: what a terminal shows is after the last \r
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') continue;
    stripped.push_back(c);
  }
  std::string_view view = stripped;
  while (!view.empty() && (view.back() == ' ' || view.back() == '\t')) view.remove_suffix(1);
  std::string out = common::sanitize_utf8(view);
  // Count characters, not bytes, so that the cut never splits one.
  size_t chars = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if ((static_cast<unsigned char>(out[i]) & 0xC0) != 0x80 && ++chars > max_chars) {
      out.resize(i);
      out += "…";
      break;
    }
  }
  return out;
}

void ErrorCollector::add(std::string_view line) {
  // Colors would hide a line's start ("\x1b[31mFAIL ...").
  std::string stripped;
  if (line.find('\x1b') != std::string_view::npos) {
    stripped = clean_line(line, line.size());
    line = stripped;
  }
  if (kept_.size() < kMaxKept) {
    if (is_telling(line)) {
      std::string cleaned = clean_line(line);
      if (std::find(kept_.begin(), kept_.end(), cleaned) == kept_.end()) kept_.push_back(std::move(cleaned));
      previous_was_telling_ = true;
      return;
    }
    if (previous_was_telling_ && is_stack_frame(line)) kept_.push_back(clean_line(line));
  }
  previous_was_telling_ = false;
  if (trim_left(line).empty()) return;
  last_.push_back(clean_line(line));
  if (last_.size() > 3) last_.pop_front();
}

std::vector<std::string> ErrorCollector::telling_lines() const {
  if (!kept_.empty()) return kept_;
  return {last_.begin(), last_.end()};
}

std::string cap_summary(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = text.rfind('\n', max_bytes);
  if (cut == std::string::npos || cut < max_bytes / 2) cut = common::utf8_safe_cut(text, max_bytes);
  return text.substr(0, cut) + "\n…";
}

std::string build_failure_summary(const std::string& how_it_ended, const ErrorCollector& output) {
  std::string summary = "build " + how_it_ended;
  for (const auto& line : output.telling_lines()) summary += "\n" + line;
  return cap_summary(summary);
}

std::string restart_failure_summary(const std::string& service, const std::string& error, const std::string& output) {
  ErrorCollector collector;
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    collector.add(std::string_view(output).substr(start, end - start));
    start = end + 1;
  }
  std::string summary = "restart of " + service + " failed: " + error;
  for (const auto& line : collector.telling_lines()) summary += "\n" + line;
  return cap_summary(summary, 900);
}

}  // namespace reship::back
