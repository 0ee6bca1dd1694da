// Rollup: "[!] RollupError: Could not resolve "./cart.js" from
// "src/main.js"", then the module on a line of its own, maybe with its
// place: "src/main.js (3:10)".

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class RollupRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (held_ && !placed_) {
      placed_ = true;
      std::string_view where = trim(text);
      int line = 0;
      int column = 0;
      // "src/main.js (3:10)"
      if (const size_t open = where.rfind(" ("); open != std::string_view::npos && where.ends_with(")")) {
        const std::string_view numbers = where.substr(open + 2, where.size() - open - 3);
        const size_t colon = numbers.find(':');
        if (auto n = to_int(numbers.substr(0, colon))) {
          line = *n;
          if (colon != std::string_view::npos) column = to_int(numbers.substr(colon + 1)).value_or(0);
          where = where.substr(0, open);
        }
      }
      if (looks_like_path(where) && !where.starts_with("at ")) {
        held_->file = std::string(where);
        held_->line = line;
        held_->column = column;
        flush(out);
        return;
      }
    }
    const std::string_view trimmed = trim(text);
    if (!trimmed.starts_with("[!] ")) return;
    flush(out);
    Diagnostic d = begin_diagnostic(l, "rollup");
    std::string_view message = trimmed.substr(4);
    if (message.starts_with("RollupError: ")) message.remove_prefix(13);
    d.message = std::string(message);
    held_ = std::move(d);
    placed_ = false;
  }

 private:
  bool placed_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_rollup_recognizer() { return std::make_unique<RollupRecognizer>(); }

}  // namespace reship::back::diagnostics
