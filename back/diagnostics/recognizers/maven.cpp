// Maven: "[ERROR] /app/src/main/java/shop/Cart.java:[17,35] message" (the
// compiler's errors, said twice); Surefire's failed test, "[ERROR]
// totalAddsPrices(shop.CartTest)  Time elapsed: 0.02 s  <<< FAILURE!", its
// exception and stack, and again in the summary, "[ERROR]
// CartTest.totalAddsPrices:11 expected:<500> but was:<300>"; and "[ERROR]
// Failed to execute goal ...",
// which only follows a compilation or test failure but is the cause when
// dependencies cannot be resolved.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/java_frames.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class MavenRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (held_ && !text.starts_with("[")) {
      // The failed test's exception, then its stack.
      const std::string_view trimmed = trim(text);
      if (held_->message.empty()) {
        held_->message = std::string(trimmed);
        read_expected_but_was(trimmed, held_->expected, held_->received);
      } else if (trimmed.starts_with("at ")) {
        if (auto place = java_frame_place(trimmed.substr(3))) {
          held_->file = std::move(place->file);
          held_->line = place->line;
          flush(out);
        }
      }
      return;
    }
    flush(out);
    Severity severity = Severity::error;
    std::string_view rest;
    if (text.starts_with("[ERROR] ")) {
      rest = text.substr(8);
    } else if (text.starts_with("[WARNING] ")) {
      rest = text.substr(10);
      severity = Severity::warning;
    } else {
      in_failures_ = false;
      return;
    }
    if (rest.starts_with("Failures:") || rest.starts_with("Errors:")) {
      in_failures_ = true;
      return;
    }
    // "FILE:[L,C] message"
    if (const size_t open = rest.find(":["); open != std::string_view::npos && open > 0) {
      const std::string_view place = rest.substr(open + 2);
      const size_t comma = place.find(',');
      const size_t close = place.find("] ");
      auto line = to_int(place.substr(0, std::min(comma, close)));
      if (line && close != std::string_view::npos && rest.substr(0, open).find(' ') == std::string_view::npos) {
        Diagnostic d = begin_diagnostic(l, "maven", severity);
        d.file = std::string(rest.substr(0, open));
        d.line = *line;
        if (comma < close) d.column = to_int(place.substr(comma + 1, close - comma - 1)).value_or(0);
        d.message = std::string(place.substr(close + 2));
        out.add(std::move(d));
        return;
      }
    }
    // "totalAddsPrices(shop.CartTest)  Time elapsed: 0.023 s  <<< FAILURE!"
    if (contains(rest, "  <<< FAILURE!") || contains(rest, "  <<< ERROR!")) {
      const size_t open = rest.find('(');
      const size_t close = rest.find(')');
      if (open != std::string_view::npos && close > open) {
        Diagnostic d = begin_diagnostic(l, "maven");
        d.test = std::string(rest.substr(open + 1, close - open - 1)) + "." + std::string(rest.substr(0, open));
        held_ = std::move(d);
      }
      return;
    }
    if (in_failures_ && rest.starts_with("  ")) {
      surefire_failure(l, trim(rest), out);
      return;
    }
    if (severity == Severity::error && rest.starts_with("Failed to execute goal ")) {
      Diagnostic d = begin_diagnostic(l, "maven");
      const size_t on = rest.find(" on project ");
      const size_t colon = on == std::string_view::npos ? on : rest.find(": ", on);
      d.message = std::string(colon == std::string_view::npos ? rest : rest.substr(colon + 2));
      d.follow_on = contains(rest, "Compilation failure") || contains(rest, "There are test failures");
      out.add(std::move(d));
    }
  }

 private:
  // "CartTest.testTotal:12 expected: <5> but was: <6>"
  void surefire_failure(const OutputLine& l, std::string_view s, DiagnosticSink& out) {
    const size_t colon = s.find(':');
    const size_t space = s.find(' ');
    if (colon == std::string_view::npos || space == std::string_view::npos || colon > space) return;
    const std::string_view test = s.substr(0, colon);
    auto line = to_int(s.substr(colon + 1, space - colon - 1));
    if (!line) return;
    Diagnostic d = begin_diagnostic(l, "maven");
    d.test = std::string(test);
    const std::string_view cls = test.substr(0, test.rfind('.'));
    d.file = std::string(cls.substr(cls.rfind('.') + 1)) + ".java";
    d.line = *line;
    d.message = std::string(trim(s.substr(space)));
    read_expected_but_was(d.message, d.expected, d.received);
    out.add(std::move(d));
  }

  bool in_failures_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_maven_recognizer() { return std::make_unique<MavenRecognizer>(); }

}  // namespace reship::back::diagnostics
