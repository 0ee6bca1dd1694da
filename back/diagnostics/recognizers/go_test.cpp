// go test: "--- FAIL: TestTotal (0.00s)" (subtests nested under it), then
// the test's indented "cart_test.go:7: message" lines; "FAIL\tpkg\t0.01s"
// (with a tab: Jest's "FAIL src/x.test.js" has a space) follows. Go prints the file's name without its folder.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class GoTestRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    const std::string_view trimmed = trim(text);
    if (trimmed.starts_with("--- FAIL: ")) {
      std::string_view name = trimmed.substr(10);
      name = name.substr(0, name.find(" ("));
      if (held_ && indent_of(text) > 0 && held_->message.empty()) {
        held_->test = std::string(name);  // the subtest that failed
        return;
      }
      flush(out);
      Diagnostic d = begin_diagnostic(l, "go");
      d.test = std::string(name);
      held_ = std::move(d);
      return;
    }
    if (held_ && indent_of(text) > 0) {
      if (auto at = colon_location(trimmed); at && at->file.ends_with(".go") && held_->message.empty()) {
        locate(*held_, *at);
        held_->message = std::string(at->rest);
      }
      return;
    }
    if (trimmed.empty()) return;
    flush(out);
    if (text.starts_with("FAIL\t")) {
      Diagnostic d = begin_diagnostic(l, "go");
      d.follow_on = true;
      d.message = std::string(text);
      for (char& c : d.message) {
        if (c == '\t') c = ' ';
      }
      out.add(std::move(d));
    }
  }
};

}  // namespace

std::unique_ptr<Recognizer> make_go_test_recognizer() { return std::make_unique<GoTestRecognizer>(); }

}  // namespace reship::back::diagnostics
