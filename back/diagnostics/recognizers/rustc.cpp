// rustc under cargo: "error[E0425]: message" (or "error: ...", "warning:
// ..."), then " --> src/main.rs:8:34". Cargo's "error: could not compile
// `shop`" and "error: test failed" only follow.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

bool is_cargo_progress(std::string_view trimmed) {
  for (const std::string_view word : {"Compiling ", "Checking ", "Finished ", "Running ", "Downloaded ", "Updating ",
                                      "Locking ", "Fresh ", "Blocking "}) {
    if (trimmed.starts_with(word)) return true;
  }
  return false;
}

bool is_follow_on(std::string_view message) {
  for (const std::string_view words : {"could not compile ", "aborting due to ", "test failed, to rerun",
                                       "build failed", "Compilation failed"}) {
    if (message.starts_with(words)) return true;
  }
  return false;
}

class RustcRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    const std::string_view trimmed = trim(text);
    if (is_cargo_progress(trimmed)) cargo_ = true;
    if (held_ && trimmed.starts_with("--> ")) {
      if (held_->file.empty()) {
        if (auto at = colon_location(trimmed.substr(4))) locate(*held_, *at);
      }
      cargo_ = true;
      return;
    }
    Severity severity = Severity::error;
    std::string_view rest;
    if (text.starts_with("error")) {
      rest = text.substr(5);
    } else if (text.starts_with("warning")) {
      rest = text.substr(7);
      severity = Severity::warning;
    } else {
      if (!text.empty() && indent_of(text) == 0) emit(out);
      return;
    }
    std::string code;
    if (rest.starts_with('[')) {
      const size_t close = rest.find(']');
      if (close == std::string_view::npos || close > 16) return;
      code = std::string(rest.substr(1, close - 1));
      rest = rest.substr(close + 1);
      cargo_ = true;
    }
    if (!rest.starts_with(": ")) return;
    emit(out);
    const std::string_view message = rest.substr(2);
    Diagnostic d = begin_diagnostic(l, "rustc", severity);
    d.code = std::move(code);
    d.message = std::string(message);
    if (is_follow_on(message)) {
      d.tool = "cargo";
      d.follow_on = true;
      if (cargo_ || contains(message, "`")) out.add(std::move(d));
      return;
    }
    // "warning: `shop` (bin "shop") generated 1 warning" is a count.
    if (severity == Severity::warning && contains(message, " generated ")) return;
    held_ = std::move(d);
  }

  void pending(DiagnosticSink& out) const override {
    if (held_ && keep(*held_)) out.add(*held_);
  }

 private:
  // A located diagnostic is rustc's; an error without a place is kept only
  // where cargo was seen ("error: failed to run custom build command").
  bool keep(const Diagnostic& d) const {
    return !d.file.empty() || (cargo_ && d.severity == Severity::error);
  }

  void emit(DiagnosticSink& out) {
    if (held_ && keep(*held_)) out.add(std::move(*held_));
    held_.reset();
  }

  bool cargo_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_rustc_recognizer() { return std::make_unique<RustcRecognizer>(); }

}  // namespace reship::back::diagnostics
