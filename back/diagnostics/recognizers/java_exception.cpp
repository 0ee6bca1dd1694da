// A JVM program dying of an exception, as a service crashing at start does:
// "Exception in thread "main" java.lang.NullPointerException: ...", its
// "\tat shop.Server.port(Server.java:8)" frames, and "Caused by: ..." for
// the exception under it, which is the one to fix. The place is the first
// frame outside the JDK and the usual libraries, as "shop/Server.java".

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/java_frames.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

// "java.lang.IllegalStateException: message" at the start of a line.
bool is_exception_line(std::string_view s) {
  const size_t end = s.find(": ");
  const std::string_view name = s.substr(0, end);
  if (name.find(' ') != std::string_view::npos || name.find('.') == std::string_view::npos) return false;
  return name.ends_with("Exception") || name.ends_with("Error");
}

class JavaExceptionRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    const std::string_view trimmed = trim(text);
    if (held_ && trimmed.starts_with("at ") && indent_of(text) > 0) {
      if (!framed_) place(trimmed.substr(3));
      return;
    }
    if (held_ && (trimmed.starts_with("... ") || trimmed.starts_with("Suppressed: "))) return;
    if (held_ && trimmed.starts_with("Caused by: ")) {
      // The exception under it is the cause to fix.
      held_->message = std::string(trimmed.substr(11));
      held_->file.clear();
      held_->line = 0;
      framed_ = false;
      return;
    }
    std::string_view exception;
    if (text.starts_with("Exception in thread \"")) {
      const size_t close = text.find("\" ", 21);
      if (close != std::string_view::npos) exception = text.substr(close + 2);
    } else if (indent_of(text) == 0 && is_exception_line(text)) {
      exception = text;
    }
    if (exception.empty()) {
      if (held_ && !text.empty() && indent_of(text) == 0) finish(out);
      return;
    }
    finish(out);
    Diagnostic d = begin_diagnostic(l, "java");
    d.message = std::string(exception);
    held_ = std::move(d);
    framed_ = false;
    frames_seen_ = false;
  }

  void pending(DiagnosticSink& out) const override {
    if (held_ && frames_seen_) out.add(*held_);
  }

 private:
  void place(std::string_view frame) {
    frames_seen_ = true;
    if (auto where = java_frame_place(frame)) {
      held_->file = std::move(where->file);
      held_->line = where->line;
      framed_ = true;
    }
  }

  void finish(DiagnosticSink& out) {
    // An exception name without a stack is some log line, not a crash.
    if (held_ && frames_seen_) out.add(std::move(*held_));
    held_.reset();
  }

  bool framed_ = false;
  bool frames_seen_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_java_exception_recognizer() {
  return std::make_unique<JavaExceptionRecognizer>();
}

}  // namespace reship::back::diagnostics
