// CMake: "CMake Error at CMakeLists.txt:4 (add_executable):" and the
// indented lines after it that say what is wrong; "CMake Error: ..." without
// a place; warnings alike. "CMake Generate step failed" only follows.

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

class CMakeRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (held_ && (text.empty() || indent_of(text) > 0)) {
      // The message: its indented lines, joined, up to a sentence or three.
      const std::string_view part = trim(text);
      if (!part.empty() && held_->message.size() < 300) {
        if (!held_->message.empty()) held_->message += " ";
        held_->message += std::string(part);
      }
      return;
    }
    if (held_ && !command_.empty()) held_->message += " " + command_;
    command_.clear();
    flush(out);
    if (text.starts_with("CMake Generate step failed") || text.starts_with("-- Configuring incomplete")) {
      Diagnostic d = begin_diagnostic(l, "cmake");
      d.follow_on = true;
      d.message = std::string(text);
      out.add(std::move(d));
      return;
    }
    Severity severity = Severity::error;
    std::string_view rest;
    if (text.starts_with("CMake Error")) {
      rest = text.substr(11);
    } else if (text.starts_with("CMake Warning") || text.starts_with("CMake Deprecation Warning")) {
      severity = Severity::warning;
      rest = text.substr(text.find("Warning") + 7);
      if (rest.starts_with(" (dev)")) rest.remove_prefix(6);
    } else {
      return;
    }
    Diagnostic d = begin_diagnostic(l, "cmake", severity);
    if (rest.starts_with(": ")) {
      // "CMake Error: The source directory "/x" does not exist."
      d.message = std::string(trim(rest.substr(2)));
      out.add(std::move(d));
      return;
    }
    // " at CMakeLists.txt:4 (add_executable):", " in CMakeLists.txt:"
    if (rest.starts_with(" at ") || rest.starts_with(" in ")) {
      std::string_view where = rest.substr(4);
      if (where.ends_with(':')) where.remove_suffix(1);
      if (const size_t open = where.find(" ("); open != std::string_view::npos) {
        command_ = std::string(where.substr(open + 1));  // "(add_executable)"
        where = where.substr(0, open);
      }
      if (auto at = colon_location(where)) {
        d.file = std::string(at->file);
        d.line = at->line;
      } else {
        d.file = std::string(where);
      }
    }
    held_ = std::move(d);
  }

  void pending(DiagnosticSink& out) const override {
    if (!held_) return;
    Diagnostic d = *held_;
    if (!command_.empty()) d.message += " " + command_;
    out.add(std::move(d));
  }

 private:
  std::string command_;
};

}  // namespace

std::unique_ptr<Recognizer> make_cmake_recognizer() { return std::make_unique<CMakeRecognizer>(); }

}  // namespace reship::back::diagnostics
