// Vitest: under "Failed Tests N", each failure is " FAIL  file > suite >
// test", the error, a "- Expected / + Received" diff for an assertion, and
// frames " ❯ fn src/price.ts:3:17": the first in the project is the place.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class VitestRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = trim(l.text);
    if (contains(text, "Failed Tests ")) {
      flush(out);
      in_failures_ = true;
      return;
    }
    if (!in_failures_) return;
    if (text.starts_with("FAIL ")) {
      flush(out);
      std::string_view name = trim(text.substr(5));
      Diagnostic d = begin_diagnostic(l, "vitest");
      // "src/cart.test.ts > cart > adds prices"; "src/x.test.ts [ src/x.test.ts ]" for a file that failed
      const size_t gt = name.find(" > ");
      const std::string_view file = name.substr(0, std::min(gt, name.find(" [ ")));
      if (gt != std::string_view::npos) d.test = std::string(name.substr(gt + 3));
      if (looks_like_path(file)) d.file = std::string(file);
      held_ = std::move(d);
      framed_ = false;
      diff_ = false;
      return;
    }
    if (text.starts_with("Test Files ") || (contains(text, "⎯⎯⎯") && !contains(text, "Failed Tests"))) {
      flush(out);
      if (text.starts_with("Test Files ")) in_failures_ = false;
      return;
    }
    if (!held_ || text.empty()) return;
    if (text.starts_with("❯ ")) {
      if (framed_) return;
      const std::string_view frame = text.substr(4);
      const size_t space = frame.rfind(' ');
      auto at = colon_location(space == std::string_view::npos ? frame : frame.substr(space + 1));
      if (at && is_project_file(at->file, l)) {
        locate(*held_, *at);
        framed_ = true;
      }
      return;
    }
    if (text == "- Expected" || text.starts_with("- Expected  ")) {
      diff_ = true;
      return;
    }
    if (diff_ && text.starts_with("+ Received")) return;
    if (diff_ && text.starts_with("- ")) {
      if (held_->expected.empty()) held_->expected = std::string(text.substr(2));
      return;
    }
    if (diff_ && text.starts_with("+ ")) {
      if (held_->received.empty()) held_->received = std::string(text.substr(2));
      return;
    }
    if (contains(text.substr(0, 8), "|")) return;  // the code frame
    if (held_->message.empty()) held_->message = std::string(text);
  }

 private:
  bool in_failures_ = false;
  bool framed_ = false;
  bool diff_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_vitest_recognizer() { return std::make_unique<VitestRecognizer>(); }

}  // namespace reship::back::diagnostics
