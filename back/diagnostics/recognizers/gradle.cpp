// Gradle: "* What went wrong:" and the lines under it; a failed task
// ("Execution failed for task ':compileJava'.") only follows the
// compiler's errors, anything else there is the cause. Kotlin's compiler
// under Gradle: "e: file:///app/src/App.kt:5:9 message". Gradle's test
// report: "CartTest > testTotal() FAILED" and "    ...Error at CartTest.java:12".

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class GradleRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    const std::string_view trimmed = trim(text);
    if (wrong_) {
      // The lines under "* What went wrong:" up to a blank one.
      if (trimmed.empty()) {
        wrong_ = false;
        flush(out);
      } else if (!held_) {
        Diagnostic d = begin_diagnostic(l, "gradle");
        d.message = std::string(trimmed);
        d.follow_on = trimmed.starts_with("Execution failed for task ");
        held_ = std::move(d);
      } else if (held_->message.size() < 400) {
        held_->message += " " + std::string(trimmed.starts_with("> ") ? trimmed.substr(2) : trimmed);
      }
      return;
    }
    if (trimmed == "* What went wrong:") {
      flush(out);
      wrong_ = true;
      return;
    }
    if (test_ && indent_of(text) > 0) {
      // "    org.opentest4j.AssertionFailedError at CartTest.java:12"
      const size_t at = trimmed.rfind(" at ");
      if (at != std::string_view::npos && test_->file.empty()) {
        test_->message = std::string(trimmed.substr(0, at));
        if (auto where = colon_location(trimmed.substr(at + 4))) locate(*test_, *where);
        out.add(std::move(*test_));
        test_.reset();
      }
      return;
    }
    test_.reset();
    if (text.ends_with(" FAILED") && contains(text, " > ")) {
      Diagnostic d = begin_diagnostic(l, "gradle");
      d.test = std::string(text.substr(0, text.size() - 7));
      d.message = "failed";
      test_ = std::move(d);
      return;
    }
    if (text.starts_with("e: ") || text.starts_with("w: ")) {
      // "e: file:///app/src/App.kt:5:9 Unresolved reference: foo"
      const std::string_view rest = text.substr(3);
      const size_t space = rest.find(' ');
      auto at = colon_location(rest.substr(0, space));
      if (!at || space == std::string_view::npos) return;
      Diagnostic d = begin_diagnostic(l, "kotlin", text[0] == 'e' ? Severity::error : Severity::warning);
      locate(d, *at);
      d.message = std::string(rest.substr(space + 1));
      out.add(std::move(d));
    }
  }

  void pending(DiagnosticSink& out) const override {
    HoldingRecognizer::pending(out);
    if (test_) out.add(*test_);
  }

 private:
  bool wrong_ = false;
  std::optional<Diagnostic> test_;
};

}  // namespace

std::unique_ptr<Recognizer> make_gradle_recognizer() { return std::make_unique<GradleRecognizer>(); }

}  // namespace reship::back::diagnostics
