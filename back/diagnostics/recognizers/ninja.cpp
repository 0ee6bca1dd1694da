// Ninja: "ninja: error: 'x.c', needed by 'x.o', missing and no known rule to
// make it" is a cause; "FAILED: target" and "ninja: build stopped:
// subcommand failed." only follow one.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class NinjaRecognizer final : public Recognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (text.starts_with("FAILED: ") || text.starts_with("ninja: build stopped")) {
      Diagnostic d = begin_diagnostic(l, "ninja");
      d.follow_on = true;
      d.message = std::string(text);
      out.add(std::move(d));
      return;
    }
    if (!text.starts_with("ninja: error: ")) return;
    Diagnostic d = begin_diagnostic(l, "ninja");
    const std::string_view rest = text.substr(14);
    // "ninja: error: build.ninja:5: unknown build rule 'cc'"
    if (auto at = colon_location(rest); at && looks_like_path(at->file) && !at->rest.empty()) {
      locate(d, *at);
      d.message = std::string(at->rest);
    } else {
      d.message = std::string(rest);
    }
    out.add(std::move(d));
  }
};

}  // namespace

std::unique_ptr<Recognizer> make_ninja_recognizer() { return std::make_unique<NinjaRecognizer>(); }

}  // namespace reship::back::diagnostics
