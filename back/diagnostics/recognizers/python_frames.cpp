#include "back/diagnostics/recognizers/python_frames.hpp"

#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {

bool TracebackReader::line(const OutputLine& l) {
  const std::string_view text = l.text;
  done_ = false;
  if (text.starts_with("Traceback (most recent call last):")) {
    inside_ = true;
    started_at_ = l.number;
    innermost_.reset();
    project_.reset();
    exception_.clear();
    return true;
  }
  if (!inside_) return false;
  const std::string_view trimmed = trim(text);
  if (indent_of(text) > 0 || trimmed.empty()) {
    // '  File "/app/x.py", line 11, in f' (a SyntaxError's has no ", in f")
    if (trimmed.starts_with("File \"")) {
      const std::string_view rest = trimmed.substr(6);
      const size_t quote = rest.find("\", line ");
      if (quote != std::string_view::npos) {
        const std::string_view number = rest.substr(quote + 8);
        Frame frame{std::string(rest.substr(0, quote)), to_int(number.substr(0, digit_run(number))).value_or(0)};
        if (is_project_file(frame.file, l)) project_ = frame;
        innermost_ = std::move(frame);
      }
    }
    return true;  // code, carets, blank lines within
  }
  // The exception: "json.decoder.JSONDecodeError: Expecting value", "MemoryError".
  exception_ = std::string(trimmed);
  inside_ = false;
  done_ = true;
  return true;
}

Diagnostic TracebackReader::make(std::string_view tool) const {
  Diagnostic d;
  d.tool = std::string(tool);
  d.seen_at = started_at_;
  d.message = exception_;
  const auto& frame = project_ ? project_ : innermost_;
  if (frame && !frame->file.starts_with('<')) {
    d.file = frame->file;
    d.line = frame->line;
  }
  return d;
}

std::optional<Diagnostic> TracebackReader::finished(std::string_view tool) {
  if (!done_) return std::nullopt;
  done_ = false;
  return make(tool);
}

std::optional<Diagnostic> TracebackReader::so_far(std::string_view tool) const {
  if (!inside_ || (!innermost_ && exception_.empty())) return std::nullopt;
  Diagnostic d = make(tool);
  if (d.message.empty()) d.message = "Traceback (most recent call last)";
  return d;
}

}  // namespace reship::back::diagnostics
