// A Go program that panics, as a service crashing at start does: "panic:
// message" (or the runtime's "fatal error: ..."), "goroutine 1 [running]:",
// then frames: a function line and its "\t/app/main.go:24 +0x7f" line. The
// place is the first frame in the project.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class GoPanicRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (text.starts_with("panic: ") || (text.starts_with("fatal error: ") && !contains(text, ".c:"))) {
      flush(out);
      Diagnostic d = begin_diagnostic(l, "go");
      d.message = std::string(text);
      held_ = std::move(d);
      frames_ = false;
      return;
    }
    if (!held_) return;
    if (text.starts_with("goroutine ")) {
      if (frames_) {
        flush(out);  // the panicking goroutine is the first
      } else {
        frames_ = true;
      }
      return;
    }
    if (!frames_) return;
    if (text.starts_with('\t')) {
      std::string_view where = trim(text);
      if (const size_t offset = where.rfind(" +0x"); offset != std::string_view::npos) where = where.substr(0, offset);
      auto at = colon_location(where);
      if (held_->file.empty() && at && is_project_file(at->file, l)) locate(*held_, *at);
      return;
    }
    if (text.empty() || text.starts_with("exit status ")) flush(out);
  }

 private:
  bool frames_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_go_panic_recognizer() { return std::make_unique<GoPanicRecognizer>(); }

}  // namespace reship::back::diagnostics
