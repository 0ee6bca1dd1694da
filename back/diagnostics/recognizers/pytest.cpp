// pytest: under "=== FAILURES ===" (or ERRORS), each failure is headed
// "____ test_name ____"; its first "E   " line says what failed and its last
// "path.py:9: AssertionError" line where (the innermost frame; when that is
// a library's, the last frame in the project). Without such blocks (--tb=no),
// the short summary's "FAILED tests/test_x.py::test_y - message" lines.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class PytestRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (is_banner(text, '=')) {
      flush(out);
      in_failures_ = contains(text, " FAILURES ") || contains(text, " ERRORS ");
      return;
    }
    // "FAILED tests/test_x.py::test_y - message" (unittest's "FAILED
    // (failures=1)" has no "::").
    if (text.starts_with("FAILED ") && blocks_ == 0 && contains(text, "::")) {
      short_summary(l, text.substr(7), out);
      return;
    }
    if (!in_failures_) return;
    if (is_banner(text, '_') && contains(text, " ")) {
      flush(out);
      const std::string_view title = trim(text.substr(text.find(' '), text.rfind(' ') - text.find(' ')));
      Diagnostic d = begin_diagnostic(l, "pytest");
      if (title.starts_with("ERROR collecting ")) {
        d.file = std::string(title.substr(17));
      } else {
        d.test = std::string(title);
      }
      held_ = std::move(d);
      last_project_.reset();
      ++blocks_;
      return;
    }
    if (!held_) return;
    if (text.starts_with("E ")) {
      if (held_->message.empty()) held_->message = std::string(trim(text.substr(1)));
      return;
    }
    auto at = colon_location(text);
    if (!at || !at->file.ends_with(".py") || indent_of(text) > 0) return;
    const bool project = is_project_file(at->file, l);
    // "path.py:5: in parse_all" is a frame on the way; "path.py:5:
    // InvalidOperation" (or "path.py:7: " for a test frame) the innermost so far.
    if (project) last_project_ = std::make_pair(std::string(at->file), at->line);
    const bool failing = !at->rest.empty() && !at->rest.starts_with("in ");
    if (failing) {
      if (project) {
        held_->file = std::string(at->file);
        held_->line = at->line;
      } else if (last_project_) {
        held_->file = last_project_->first;
        held_->line = last_project_->second;
      }
    } else if (project && held_->file.empty()) {
      held_->file = std::string(at->file);
      held_->line = at->line;
    }
  }

 private:
  void short_summary(const OutputLine& l, std::string_view rest, DiagnosticSink& out) {
    Diagnostic d = begin_diagnostic(l, "pytest");
    const size_t dash = rest.find(" - ");
    const std::string_view id = rest.substr(0, dash);
    const size_t colons = id.find("::");
    if (colons != std::string_view::npos) {
      d.file = std::string(id.substr(0, colons));
      d.test = std::string(id.substr(colons + 2));
    }
    d.message = dash == std::string_view::npos ? "failed" : std::string(rest.substr(dash + 3));
    out.add(std::move(d));
  }

  bool in_failures_ = false;
  size_t blocks_ = 0;
  std::optional<std::pair<std::string, int>> last_project_;
};

}  // namespace

std::unique_ptr<Recognizer> make_pytest_recognizer() { return std::make_unique<PytestRecognizer>(); }

}  // namespace reship::back::diagnostics
