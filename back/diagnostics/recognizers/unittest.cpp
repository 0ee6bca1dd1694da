// Python's unittest: "FAIL: test_coupon (shop.test_cart.CartTest.test_coupon)"
// (or "ERROR: ...") under a line of '=', then the test's traceback.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/python_frames.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

// "test_coupon (shop.test_cart.CartTest.test_coupon)" (Python 3.11) or
// "test_coupon (shop.test_cart.CartTest)" (3.10): the dotted full name.
std::string test_name(std::string_view s) {
  const size_t open = s.find(" (");
  if (open == std::string_view::npos || !s.ends_with(')')) return std::string(s);
  const std::string_view method = s.substr(0, open);
  const std::string_view where = s.substr(open + 2, s.size() - open - 3);
  if (where.ends_with("." + std::string(method))) return std::string(where);
  return std::string(where) + "." + std::string(method);
}

class UnittestRecognizer final : public Recognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (is_banner(text, '=')) {
      after_banner_ = true;
      return;
    }
    if (after_banner_ && (text.starts_with("FAIL: ") || text.starts_with("ERROR: "))) {
      test_ = test_name(text.substr(text.find(": ") + 2));
      after_banner_ = false;
      return;
    }
    after_banner_ = false;
    if (test_.empty() || !reader_.line(l)) return;
    if (auto d = reader_.finished("unittest")) {
      d->test = test_;
      out.add(std::move(*d));
      test_.clear();
    }
  }

  void pending(DiagnosticSink& out) const override {
    if (test_.empty()) return;
    if (auto d = reader_.so_far("unittest")) {
      d->test = test_;
      out.add(std::move(*d));
    }
  }

 private:
  TracebackReader reader_;
  std::string test_;
  bool after_banner_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_unittest_recognizer() { return std::make_unique<UnittestRecognizer>(); }

}  // namespace reship::back::diagnostics
