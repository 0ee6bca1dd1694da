// esbuild: "✘ [ERROR] message" (or "X [ERROR]"), a blank line, then
// "    src/index.ts:2:22:"; "▲ [WARNING] ..." alike; and the plain form
// "src/main.ts:3:10: ERROR: message" other tools (Vite 5 to 7) pass on.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class EsbuildRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (held_ && held_->file.empty() && indent_of(text) > 0) {
      std::string_view where = trim(text);
      if (where.ends_with(':')) {
        where.remove_suffix(1);
        if (auto at = colon_location(where); at && at->rest.empty()) locate(*held_, *at);
        return;
      }
    }
    const std::string_view trimmed = trim(text);
    Severity severity = Severity::error;
    size_t tag = trimmed.find("[ERROR] ");
    if (tag == std::string_view::npos) {
      tag = trimmed.find("[WARNING] ");
      severity = Severity::warning;
    }
    if (tag != std::string_view::npos && tag <= 4 && tag > 0) {
      flush(out);
      Diagnostic d = begin_diagnostic(l, "esbuild", severity);
      std::string_view message = trimmed.substr(trimmed.find("] ", tag) + 2);
      // "... [plugin name]": which plugin said it.
      if (message.ends_with(']')) {
        if (const size_t open = message.rfind(" [plugin "); open != std::string_view::npos) {
          d.code = std::string(message.substr(open + 2, message.size() - open - 3));
          message = message.substr(0, open);
        }
      }
      d.message = std::string(message);
      held_ = std::move(d);
      return;
    }
    if (!text.empty() && indent_of(text) == 0) flush(out);
    if (auto at = colon_location(text)) {
      for (const auto& [word, kind] :
           {std::pair<std::string_view, Severity>{"ERROR: ", Severity::error}, {"WARNING: ", Severity::warning}}) {
        if (!at->rest.starts_with(word)) continue;
        Diagnostic d = begin_diagnostic(l, "esbuild", kind);
        locate(d, *at);
        d.message = std::string(at->rest.substr(word.size()));
        out.add(std::move(d));
        return;
      }
    }
  }
};

}  // namespace

std::unique_ptr<Recognizer> make_esbuild_recognizer() { return std::make_unique<EsbuildRecognizer>(); }

}  // namespace reship::back::diagnostics
