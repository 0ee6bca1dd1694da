// javac: "src/shop/Cart.java:17: error: cannot find symbol", the source
// line, a caret under the column, and "  symbol:   variable summ". Gradle's
// plain console puts the task's name before the first one
// (":compileJava/app/src/main/java/shop/Cart.java:17: error: ...").

#include <cctype>

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

// ":compileJava" before a path.
std::string_view without_task(std::string_view s) {
  if (!s.starts_with(':')) return s;
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos) return s;
  for (size_t i = 1; i < slash; ++i) {
    if (!std::isalnum(static_cast<unsigned char>(s[i])) && s[i] != ':' && s[i] != '-' && s[i] != '_') return s;
  }
  return s.substr(slash);
}

class JavacRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = without_task(l.text);
    auto at = colon_location(text);
    if (at && at->file.ends_with(".java") && at->column == 0) {
      Severity severity = Severity::error;
      std::string_view rest = at->rest;
      if (rest.starts_with("error: ")) {
        rest.remove_prefix(7);
      } else if (rest.starts_with("warning: ")) {
        rest.remove_prefix(9);
        severity = Severity::warning;
      } else {
        return;
      }
      flush(out);
      Diagnostic d = begin_diagnostic(l, "javac", severity);
      locate(d, *at);
      d.message = std::string(rest);
      held_ = std::move(d);
      after_ = 0;
      return;
    }
    if (!held_) return;
    ++after_;
    if (after_ == 2 && is_caret_line(text) && held_->column == 0) {
      held_->column = static_cast<int>(text.find('^')) + 1;
      return;
    }
    const std::string_view trimmed = trim(text);
    if (after_ >= 2 && trimmed.starts_with("symbol:")) {
      held_->message += " (" + std::string(trim(trimmed.substr(7))) + ")";
      return;
    }
    if (after_ > 2 && indent_of(text) == 0) flush(out);
  }

 private:
  int after_ = 0;
};

}  // namespace

std::unique_ptr<Recognizer> make_javac_recognizer() { return std::make_unique<JavacRecognizer>(); }

}  // namespace reship::back::diagnostics
