// A Rust panic, in a test or a program starting up: "thread 'tests::adds'
// (15679) panicked at src/lib.rs:11:9:" and the message on the lines after
// (Rust 1.73 and later), or "thread 'main' panicked at 'message',
// src/main.rs:5:10" (before).

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class RustPanicRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (held_) {
      const std::string_view trimmed = trim(text);
      if (trimmed.empty() || trimmed.starts_with("note: run with `RUST_BACKTRACE") ||
          trimmed.starts_with("stack backtrace:") || held_->message.size() > 400) {
        flush(out);
      } else {
        // "assertion `left == right` failed", "  left: 300", " right: 500"
        if (!held_->message.empty()) held_->message += held_->message.ends_with("failed") ? ": " : ", ";
        held_->message += std::string(trimmed);
        return;
      }
    }
    if (!text.starts_with("thread '")) return;
    const size_t name_end = text.find('\'', 8);
    const size_t panicked = text.find(" panicked at ", name_end == std::string_view::npos ? 0 : name_end);
    if (name_end == std::string_view::npos || panicked == std::string_view::npos) return;
    Diagnostic d = begin_diagnostic(l, "rust");
    const std::string_view name = text.substr(8, name_end - 8);
    if (name != "main") d.test = std::string(name);
    std::string_view rest = text.substr(panicked + 13);
    if (rest.starts_with('\'')) {
      // Before 1.73: 'message', FILE:L:C
      const size_t close = rest.rfind("', ");
      if (close == std::string_view::npos) return;
      d.message = std::string(rest.substr(1, close - 1));
      if (auto at = colon_location(rest.substr(close + 3))) locate(d, *at);
      out.add(std::move(d));
      return;
    }
    if (rest.ends_with(':')) rest.remove_suffix(1);
    if (auto at = colon_location(rest)) locate(d, *at);
    held_ = std::move(d);
  }
};

}  // namespace

std::unique_ptr<Recognizer> make_rust_panic_recognizer() { return std::make_unique<RustPanicRecognizer>(); }

}  // namespace reship::back::diagnostics
