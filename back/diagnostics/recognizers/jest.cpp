// Jest: each failure is a block headed "● suite › test", with the message,
// "Expected: 6" and "Received: 5" for an assertion, a code frame, and the
// stack ("at Object.toBe (src/cart.test.js:5:49)"): its first frame in the
// project is the line to fix.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class JestRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = trim(l.text);
    if (text.starts_with("FAIL ") || text.starts_with("PASS ")) {
      flush(out);
      suite_ = text.starts_with("FAIL ") ? std::string(trim(text.substr(5))) : std::string();
      return;
    }
    if (text.starts_with("Test Suites:")) {
      flush(out);
      return;
    }
    if (text.starts_with("● ")) {
      flush(out);
      const std::string_view title = trim(text.substr(4));  // "●" is 3 bytes
      if (title == "Console") return;
      Diagnostic d = begin_diagnostic(l, "jest");
      if (title != "Test suite failed to run") d.test = std::string(title);
      // Until a frame says where, the test file is the place.
      if (looks_like_path(suite_)) d.file = suite_;
      held_ = std::move(d);
      framed_ = false;
      return;
    }
    if (!held_ || text.empty()) return;
    if (text.starts_with("at ")) {
      if (framed_) return;
      auto at = js_frame_location(text);
      if (at && is_project_file(at->file, l)) {
        locate(*held_, *at);
        framed_ = true;
      }
      return;
    }
    if (text.starts_with("Expected: ")) {
      if (held_->expected.empty()) held_->expected = std::string(text.substr(10));
      return;
    }
    if (text.starts_with("Received: ")) {
      if (held_->received.empty()) held_->received = std::string(text.substr(10));
      return;
    }
    // Code frame lines: "> 5 | ...", "  6 | ...", "    |   ^".
    if (contains(text.substr(0, 12), "|")) return;
    if (held_->message.empty()) held_->message = std::string(text);
  }

 private:
  std::string suite_;
  bool framed_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_jest_recognizer() { return std::make_unique<JestRecognizer>(); }

}  // namespace reship::back::diagnostics
