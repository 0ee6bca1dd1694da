// ESLint: the default "stylish" form (the file on a line of its own, then
// "  9:36  error  'x' is not defined  no-undef" under it) and the "compact"
// form ("/app/a.js: line 9, col 36, Error - 'x' is not defined. (no-undef)").

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

// "  9:36  error  message  rule" → the diagnostic, with `file`.
bool stylish_problem(std::string_view text, Diagnostic& d) {
  if (indent_of(text) == 0) return false;
  std::string_view s = trim(text);
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  auto line = to_int(s.substr(0, colon));
  const std::string_view after = s.substr(colon + 1);
  const size_t n = digit_run(after);
  auto column = to_int(after.substr(0, n));
  if (!line || !column) return false;
  s = trim_left(after.substr(n));
  if (s.starts_with("error ")) {
    d.severity = Severity::error;
    s.remove_prefix(6);
  } else if (s.starts_with("warning ")) {
    d.severity = Severity::warning;
    s.remove_prefix(8);
  } else {
    return false;
  }
  s = trim(s);
  // The rule is the last word, after two blanks or more.
  if (const size_t gap = s.rfind("  "); gap != std::string_view::npos && s.find(' ', gap + 2) == std::string_view::npos) {
    d.code = std::string(s.substr(gap + 2));
    s = trim(s.substr(0, gap));
  }
  d.line = *line;
  d.column = *column;
  d.message = std::string(s);
  return true;
}

// "FILE: line 9, col 36, Error - message (rule)"
bool compact_problem(std::string_view text, Diagnostic& d) {
  const size_t at = text.find(": line ");
  if (at == std::string_view::npos || at == 0) return false;
  const std::string_view rest = text.substr(at + 7);
  const size_t comma = rest.find(", col ");
  if (comma == std::string_view::npos) return false;
  auto line = to_int(rest.substr(0, comma));
  const std::string_view after = rest.substr(comma + 6);
  auto column = to_int(after.substr(0, digit_run(after)));
  const size_t dash = after.find(", ");
  if (!line || !column || dash == std::string_view::npos) return false;
  std::string_view s = after.substr(dash + 2);
  if (s.starts_with("Error - ")) {
    d.severity = Severity::error;
  } else if (s.starts_with("Warning - ")) {
    d.severity = Severity::warning;
  } else {
    return false;
  }
  s = s.substr(s.find(" - ") + 3);
  if (s.ends_with(')')) {
    if (const size_t open = s.rfind(" ("); open != std::string_view::npos) {
      d.code = std::string(s.substr(open + 2, s.size() - open - 3));
      s = s.substr(0, open);
    }
  }
  d.file = std::string(text.substr(0, at));
  d.line = *line;
  d.column = *column;
  d.message = std::string(s);
  return true;
}

class EslintRecognizer final : public Recognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    Diagnostic d = begin_diagnostic(l, "eslint");
    if (!file_.empty() && stylish_problem(text, d)) {
      d.file = file_;
      out.add(std::move(d));
      return;
    }
    if (compact_problem(text, d)) {
      out.add(std::move(d));
      return;
    }
    // A line that is only a path may head a stylish block.
    if (indent_of(text) == 0 && !text.empty()) {
      file_ = looks_like_path(text) && !contains(text, ":") ? std::string(text) : std::string();
    }
  }

 private:
  std::string file_;
};

}  // namespace

std::unique_ptr<Recognizer> make_eslint_recognizer() { return std::make_unique<EslintRecognizer>(); }

}  // namespace reship::back::diagnostics
