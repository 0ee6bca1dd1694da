// Running out of memory, in the words no other recogniser reads: Node's
// "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out
// of memory", Rust's "memory allocation of N bytes failed", GCC's
// "virtual memory exhausted" and "out of memory allocating N bytes". (An
// uncaught std::bad_alloc, Python's MemoryError, Java's OutOfMemoryError and
// Go's "fatal error: runtime: out of memory" come with their crash.)

#include "back/diagnostics/oom.hpp"
#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class OutOfMemoryRecognizer final : public Recognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = trim(l.text);
    const char* tool = nullptr;
    if (contains(text, "JavaScript heap out of memory")) {
      tool = "node";
    } else if (text.starts_with("memory allocation of ") && text.ends_with(" bytes failed")) {
      tool = "rust";
    } else if (contains(text, "virtual memory exhausted") || contains(text, ": out of memory allocating ")) {
      tool = "gcc";
    } else {
      return;
    }
    Diagnostic d = begin_diagnostic(l, tool);
    d.message = std::string(text.starts_with("FATAL ERROR: ") ? text.substr(13) : text);
    d.out_of_memory = true;
    out.add(std::move(d));
  }
};

}  // namespace

std::unique_ptr<Recognizer> make_out_of_memory_recognizer() { return std::make_unique<OutOfMemoryRecognizer>(); }

}  // namespace reship::back::diagnostics
