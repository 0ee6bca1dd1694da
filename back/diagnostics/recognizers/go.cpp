// Go's compiler and vet: "./main.go:12:22: undefined: addr" (under "#
// example.com/shop"), "vet: ./main.go:7:2: ...", and the go command's own
// "go: ..." errors (a missing go.mod, a module that cannot be found).

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class GoRecognizer final : public Recognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    std::string_view text = l.text;
    if (text.starts_with("vet: ")) text.remove_prefix(5);
    if (indent_of(text) > 0) return;  // go test's indented output is go-test's
    if (auto at = colon_location(text); at && at->file.ends_with(".go") && !at->rest.empty()) {
      Diagnostic d = begin_diagnostic(l, "go");
      locate(d, *at);
      d.message = std::string(at->rest);
      out.add(std::move(d));
      return;
    }
    if (text.starts_with("go: ")) {
      const std::string_view rest = text.substr(4);
      for (const std::string_view chatter : {"downloading ", "finding ", "extracting ", "added ", "upgraded ",
                                             "creating ", "to add ", "found "}) {
        if (rest.starts_with(chatter)) return;
      }
      Diagnostic d = begin_diagnostic(l, "go");
      d.message = std::string(rest);
      out.add(std::move(d));
    }
  }
};

}  // namespace

std::unique_ptr<Recognizer> make_go_recognizer() { return std::make_unique<GoRecognizer>(); }

}  // namespace reship::back::diagnostics
