// webpack: "ERROR in ./src/index.js 2:0-39" and the message on the next
// line ("Module not found: Error: Can't resolve './format' in '/app/src'");
// "WARNING in ..." alike. webpack counts columns from 0.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class WebpackRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (held_) {
      const std::string_view message = trim(text);
      if (message.empty()) return;
      held_->message = std::string(message);
      flush(out);
      return;
    }
    Severity severity = Severity::error;
    std::string_view rest;
    if (text.starts_with("ERROR in ")) {
      rest = text.substr(9);
    } else if (text.starts_with("WARNING in ")) {
      rest = text.substr(11);
      severity = Severity::warning;
    } else {
      return;
    }
    Diagnostic d = begin_diagnostic(l, "webpack", severity);
    // "./src/index.js 2:0-39", "./src/format.js 3:32", "./src/a.js 2:0-3:4"
    std::string_view module = rest;
    if (const size_t space = rest.rfind(' '); space != std::string_view::npos) {
      const std::string_view place = rest.substr(space + 1);
      const size_t colon = place.find(':');
      if (auto line = to_int(place.substr(0, colon)); line && colon != std::string_view::npos) {
        d.line = *line;
        const std::string_view after = place.substr(colon + 1);
        if (auto column = to_int(after.substr(0, digit_run(after)))) d.column = *column + 1;
        module = rest.substr(0, space);
      }
    }
    if (looks_like_path(module)) d.file = std::string(module);
    d.message = std::string(rest);
    held_ = std::move(d);
  }
};

}  // namespace

std::unique_ptr<Recognizer> make_webpack_recognizer() { return std::make_unique<WebpackRecognizer>(); }

}  // namespace reship::back::diagnostics
