// GNU make: "make: *** No rule to make target 'x', needed by 'y'.  Stop."
// and "Makefile:5: *** missing separator.  Stop." are causes; "make[2]: ***
// [Makefile:7: main.o] Error 1" only says that a recipe failed.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

// The length of "make: ", "make[2]: ", "gmake[1]: ", or 0.
size_t make_prefix(std::string_view s) {
  size_t i = 0;
  if (s.starts_with("gmake")) {
    i = 5;
  } else if (s.starts_with("make")) {
    i = 4;
  } else {
    return 0;
  }
  if (i < s.size() && s[i] == '[') {
    const size_t close = s.find(']', i);
    if (close == std::string_view::npos || close - i > 6) return 0;
    i = close + 1;
  }
  return s.substr(i).starts_with(": ") ? i + 2 : 0;
}

std::string without_stop(std::string_view s) {
  s = trim(s);
  if (s.ends_with("Stop.")) s.remove_suffix(5);
  s = trim(s);
  if (s.ends_with('.')) s.remove_suffix(1);
  return std::string(s);
}

class MakeRecognizer final : public Recognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (const size_t prefix = make_prefix(text)) {
      const std::string_view rest = text.substr(prefix);
      if (!rest.starts_with("*** ")) {
        // A recipe's command that is not there: "make: tsx: No such file or directory".
        if (rest.ends_with(": Command not found") || rest.ends_with(": No such file or directory")) {
          Diagnostic d = begin_diagnostic(l, "make");
          d.message = std::string(rest);
          out.add(std::move(d));
        }
        return;
      }
      const std::string_view what = rest.substr(4);
      if (what.starts_with("Waiting for unfinished jobs")) return;
      Diagnostic d = begin_diagnostic(l, "make");
      if (what.starts_with("[")) {
        // "[Makefile:7: main.o] Error 1": where the failed recipe is.
        d.follow_on = true;
        d.message = std::string(what);
        if (auto at = colon_location(what.substr(1))) {
          d.file = std::string(at->file);
          d.line = at->line;
        }
      } else {
        d.message = without_stop(what);
      }
      out.add(std::move(d));
      return;
    }
    // "Makefile:5: *** missing separator.  Stop."
    if (auto at = colon_location(text); at && at->rest.starts_with("*** ")) {
      Diagnostic d = begin_diagnostic(l, "make");
      d.file = std::string(at->file);
      d.line = at->line;
      d.message = without_stop(at->rest.substr(4));
      out.add(std::move(d));
    }
  }
};

}  // namespace

std::unique_ptr<Recognizer> make_make_recognizer() { return std::make_unique<MakeRecognizer>(); }

}  // namespace reship::back::diagnostics
