// A C or C++ program that dies: an uncaught exception ("terminate called
// after throwing an instance of 'std::bad_alloc'" and its "what():" line),
// a failed assert ("server: server.cpp:10: int main(): Assertion `x'
// failed."), a sanitizer's report with its first frame in the project, and
// UBSan's "x.cpp:5:12: runtime error: ...".

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class CppCrashRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (held_ && text.starts_with("  what():")) {
      const std::string what(trim(text.substr(9)));
      if (!held_->message.ends_with(" " + what)) held_->message += ": " + what;
      flush(out);
      return;
    }
    if (held_ && in_sanitizer_) {
      // "    #0 0x4c5e3 in main /app/main.cpp:12:5"
      const std::string_view frame = trim(text);
      if (frame.starts_with("#")) {
        const size_t in = frame.find(" in ");
        const size_t space = frame.rfind(' ');
        if (held_->file.empty() && in != std::string_view::npos && space > in + 4) {
          auto at = colon_location(frame.substr(space + 1));
          if (at && is_project_file(at->file, l)) locate(*held_, *at);
        }
        return;
      }
      if (frame.starts_with("SUMMARY: ")) flush(out);
      return;
    }
    flush(out);
    in_sanitizer_ = false;
    if (text.starts_with("terminate called after throwing an instance of '")) {
      Diagnostic d = begin_diagnostic(l, "c++");
      std::string_view type = text.substr(48);
      if (type.ends_with('\'')) type.remove_suffix(1);
      d.message = "uncaught " + std::string(type);
      held_ = std::move(d);
      return;
    }
    if (text.starts_with("terminate called without an active exception")) {
      Diagnostic d = begin_diagnostic(l, "c++");
      d.message = std::string(text);
      out.add(std::move(d));
      return;
    }
    if (const size_t assertion = text.find(": Assertion `"); assertion != std::string_view::npos) {
      // glibc: "PROGRAM: FILE:LINE: FUNCTION: Assertion `EXPR' failed."
      const size_t program_end = text.find(": ");
      if (program_end < assertion) {
        if (auto at = colon_location(text.substr(program_end + 2))) {
          Diagnostic d = begin_diagnostic(l, "c++");
          d.file = std::string(at->file);
          d.line = at->line;
          d.message = std::string(text.substr(assertion + 2));
          out.add(std::move(d));
          return;
        }
      }
    }
    if (const size_t report = text.find("ERROR: AddressSanitizer: "); report != std::string_view::npos ||
        text.find("ERROR: LeakSanitizer: ") != std::string_view::npos ||
        text.find("WARNING: ThreadSanitizer: ") != std::string_view::npos) {
      Diagnostic d = begin_diagnostic(l, "sanitizer");
      d.message = std::string(text.substr(text.find(": ") + 2));
      in_sanitizer_ = true;
      held_ = std::move(d);
      return;
    }
    if (auto at = colon_location(text); at && at->rest.starts_with("runtime error: ")) {
      Diagnostic d = begin_diagnostic(l, "ubsan");
      locate(d, *at);
      d.message = std::string(at->rest);
      out.add(std::move(d));
    }
  }

 private:
  bool in_sanitizer_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_cpp_crash_recognizer() { return std::make_unique<CppCrashRecognizer>(); }

}  // namespace reship::back::diagnostics
