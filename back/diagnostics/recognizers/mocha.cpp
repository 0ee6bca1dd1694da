// Mocha: after "N failing", each failure is "  1) suite" and its title
// lines down to the one ending in ':', the error, a "+ expected - actual"
// diff, and the stack: its first frame in the project is the place.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class MochaRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = trim(l.text);
    if (text.ends_with(" failing") && digit_run(text) > 0) {
      flush(out);
      in_failures_ = true;
      return;
    }
    if (!in_failures_) return;
    // "1) cart", at the block's indentation.
    if (const size_t n = digit_run(text); n > 0 && text.substr(n).starts_with(") ") && indent_of(l.text) <= 2) {
      flush(out);
      Diagnostic d = begin_diagnostic(l, "mocha");
      d.test = std::string(text.substr(n + 2));
      titled_ = d.test.ends_with(':');
      if (titled_) d.test.pop_back();
      held_ = std::move(d);
      framed_ = false;
      diff_ = false;
      return;
    }
    if (!held_ || text.empty()) return;
    if (!titled_) {
      held_->test += " " + std::string(text);
      titled_ = held_->test.ends_with(':');
      if (titled_) held_->test.pop_back();
      return;
    }
    if (text.starts_with("at ")) {
      if (framed_) return;
      auto at = js_frame_location(text);
      if (at && is_project_file(at->file, l)) {
        locate(*held_, *at);
        framed_ = true;
      }
      return;
    }
    if (text == "+ expected - actual") {
      diff_ = true;
      return;
    }
    if (diff_) {
      if (text.starts_with('+') && held_->expected.empty()) held_->expected = std::string(text.substr(1));
      if (text.starts_with('-') && held_->received.empty()) held_->received = std::string(text.substr(1));
      return;
    }
    if (held_->message.empty()) {
      held_->message = std::string(text);
    } else if (held_->message.ends_with(':') && held_->message.size() < 300) {
      // "Expected values to be strictly equal:" and, below, "5 !== 6".
      held_->message += " " + std::string(text);
    }
  }

 private:
  bool in_failures_ = false;
  bool titled_ = false;
  bool framed_ = false;
  bool diff_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_mocha_recognizer() { return std::make_unique<MochaRecognizer>(); }

}  // namespace reship::back::diagnostics
