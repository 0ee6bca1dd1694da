// TypeScript's tsc (and vue-tsc, tsc -b): "src/x.ts:48:7 - error TS2322:
// message" (--pretty, the default on a terminal), "src/x.ts(48,7): error
// TS2322: message" (--pretty false), "error TS5058: message" (no file).

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

// "error TS2322: message" → severity, code, message.
bool read_kind(std::string_view s, Diagnostic& d) {
  static constexpr std::pair<std::string_view, Severity> kKinds[] = {
      {"error TS", Severity::error}, {"warning TS", Severity::warning}, {"message TS", Severity::note}};
  for (const auto& [word, severity] : kKinds) {
    if (!s.starts_with(word)) continue;
    const std::string_view after = s.substr(word.size() - 2);  // "TS2322: ..."
    const size_t colon = after.find(": ");
    if (colon == std::string_view::npos || colon > 12) return false;
    d.severity = severity;
    d.code = std::string(after.substr(0, colon));
    d.message = std::string(after.substr(colon + 2));
    return true;
  }
  return false;
}

class TscRecognizer final : public Recognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    Diagnostic d = begin_diagnostic(l, "tsc");
    if (const size_t dash = text.find(" - "); dash != std::string_view::npos && dash < 1024) {
      auto at = colon_location(text.substr(0, dash));
      if (at && at->rest.empty() && read_kind(text.substr(dash + 3), d)) {
        locate(d, *at);
        out.add(std::move(d));
        return;
      }
    }
    if (auto at = paren_location(text); at && read_kind(at->rest, d)) {
      locate(d, *at);
      out.add(std::move(d));
      return;
    }
    if (read_kind(text, d)) out.add(std::move(d));
  }
};

}  // namespace

std::unique_ptr<Recognizer> make_tsc_recognizer() { return std::make_unique<TscRecognizer>(); }

}  // namespace reship::back::diagnostics
