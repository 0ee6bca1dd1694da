// The last resort, when no recogniser knows the tool: lines that say
// "error:", "ERROR", "FATAL" or "FAILED", placed when they start with
// FILE:LINE. The analyser uses them only when nothing else named a cause.

#include <cctype>

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"
#include "back/diagnostics/telling_lines.hpp"

namespace reship::back::diagnostics {
namespace {

bool says_error(std::string_view s) {
  if (contains(s, "error:") || contains(s, "Error:") || contains(s, "FAILED")) return true;
  for (const std::string_view word : {"ERROR", "FATAL"}) {
    for (size_t at = s.find(word); at != std::string_view::npos; at = s.find(word, at + 1)) {
      const bool left = at == 0 || !std::isalpha(static_cast<unsigned char>(s[at - 1]));
      const size_t end = at + word.size();
      const bool right = end >= s.size() || !std::isalpha(static_cast<unsigned char>(s[end]));
      if (left && right) return true;
    }
  }
  return false;
}

class GenericRecognizer final : public Recognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = trim(l.text);
    if (text.empty() || !says_error(text)) return;
    Diagnostic d = begin_diagnostic(l, "");
    if (auto at = colon_location(text); at && looks_like_path(at->file) && !at->rest.empty()) {
      locate(d, *at);
      d.message = std::string(at->rest);
    } else {
      d.message = std::string(text);
    }
    out.add(std::move(d));
  }
};

}  // namespace

std::unique_ptr<Recognizer> make_generic_recognizer() { return std::make_unique<GenericRecognizer>(); }

}  // namespace reship::back::diagnostics
