// Vite: after "error during build:", Vite 8 (Rolldown) prints "[CODE]
// message" and a box whose top names the place ("╭─[ src/main.ts:1:28 ]");
// Vite 5 to 7 (Rollup) print "[vite]: Rollup failed to resolve import "x"
// from "/app/src/main.ts"." or "[plugin] message" with "file: FILE:L:C".

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

// The "/app/src/main.ts" of `... from "/app/src/main.ts".`
std::string_view quoted_from(std::string_view s) {
  const size_t from = s.rfind(" from \"");
  if (from == std::string_view::npos) return {};
  const std::string_view rest = s.substr(from + 7);
  return rest.substr(0, rest.find('"'));
}

class ViteRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (text.starts_with("error during build:") || text.starts_with("Build failed with ")) {
      in_error_ = true;
      return;
    }
    if (!in_error_) return;
    const std::string_view trimmed = trim(text);
    if (held_ && held_->file.empty()) {
      std::string_view where;
      if (const size_t box = trimmed.find("─[ "); box != std::string_view::npos && trimmed.ends_with(" ]")) {
        where = trimmed.substr(box + 5, trimmed.size() - box - 7);  // "─" is 3 bytes
      } else if (trimmed.starts_with("file: ")) {
        where = trimmed.substr(6);
      }
      if (!where.empty()) {
        if (auto at = colon_location(where)) {
          locate(*held_, *at);
        } else if (looks_like_path(where)) {
          held_->file = std::string(where);
        }
        return;
      }
    }
    if (text.starts_with('[')) {
      // "[CODE] message", "[plugin:vite:css] message", "[vite]: message"
      const size_t close = text.find(']');
      if (close == std::string_view::npos || close > 64) return;
      std::string_view message = text.substr(close + 1);
      if (message.starts_with(':')) message.remove_prefix(1);
      if (!message.starts_with(' ')) return;
      message = trim(message);
      flush(out);
      Diagnostic d = begin_diagnostic(l, "vite");
      const std::string_view code = text.substr(1, close - 1);
      if (code != "vite") d.code = std::string(code);
      d.message = std::string(message);
      if (const auto file = quoted_from(message); looks_like_path(file)) d.file = std::string(file);
      held_ = std::move(d);
      return;
    }
    if (trimmed.starts_with("at ")) flush(out);
  }

 private:
  bool in_error_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_vite_recognizer() { return std::make_unique<ViteRecognizer>(); }

}  // namespace reship::back::diagnostics
