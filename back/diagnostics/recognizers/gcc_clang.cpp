// GCC and Clang: "FILE:LINE:COL: error: message", the same form for both.
// GCC (9 and later) follows it with a " 12 | code" gutter, Clang with the
// bare source line and a caret line: that tells which compiler spoke. For a
// template error inside a library header, the user's own line is where it
// was instantiated: GCC names it before the error ("t.cpp:8:12:   required
// from here"), Clang after it ("t.cpp:8:8: note: in instantiation of ...
// requested here").

#include <optional>

#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/recognizers/support.hpp"

namespace reship::back::diagnostics {
namespace {

// Languages whose compilers print the same form but are not C-family: their
// own recognisers know them better.
bool is_other_language(std::string_view file) {
  static constexpr std::string_view kOthers[] = {".java", ".kt", ".scala", ".rs", ".go", ".py", ".ts",
                                                 ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".swift", ".cs"};
  for (const auto ext : kOthers) {
    if (file.ends_with(ext)) return true;
  }
  return false;
}

std::optional<Severity> kind_of(std::string_view& rest) {
  static constexpr std::pair<std::string_view, Severity> kKinds[] = {
      {"error: ", Severity::error}, {"fatal error: ", Severity::error}, {"warning: ", Severity::warning},
      {"note: ", Severity::note}};
  for (const auto& [word, severity] : kKinds) {
    if (rest.starts_with(word)) {
      rest.remove_prefix(word.size());
      return severity;
    }
  }
  return std::nullopt;
}

// " 12 | code" or "    | ^~~~": GCC's gutter.
bool is_gutter(std::string_view s) {
  s = trim_left(s);
  s = trim_left(s.substr(digit_run(s)));
  return s.starts_with("| ") || s == "|";
}

// "1 error generated.", "3 warnings and 2 errors generated."
bool is_clang_count(std::string_view s) { return s.ends_with(" generated.") && digit_run(s) > 0; }

// "clang -c x.c", "/usr/bin/clang++-14 ...": a build echoing its compiler.
bool is_clang_command(std::string_view s) {
  const size_t space = s.find(' ');
  if (space == std::string_view::npos || space > 256) return false;
  std::string_view program = s.substr(0, space);
  if (const size_t slash = program.rfind('/'); slash != std::string_view::npos) program.remove_prefix(slash + 1);
  return program.starts_with("clang") && !program.ends_with(":");
}

struct Place {
  std::string file;
  int line = 0;
  int column = 0;
};

class GccClangRecognizer final : public HoldingRecognizer {
 public:
  void line(const OutputLine& l, DiagnosticSink& out) override {
    const std::string_view text = l.text;
    if (held_) watch_format(text);
    if (is_clang_count(text)) {
      default_tool_ = "clang";
      if (held_ && !gutter_) held_->tool = "clang";
      flush(out);
      return;
    }
    if (is_clang_command(text)) default_tool_ = "clang";
    auto at = colon_location(text);
    if (at && !is_other_language(at->file)) {
      std::string_view rest = at->rest;
      if (auto severity = kind_of(rest)) {
        on_diagnostic(l, *at, *severity, rest, out);
        return;
      }
      if (rest.starts_with("required from") || rest.starts_with("required by substitution")) {
        // GCC's instantiation chain, innermost first, ending "required from here".
        if (is_project_file(at->file, l)) {
          const Place place{std::string(at->file), at->line, at->column};
          if (rest.starts_with("required from here")) {
            here_ = place;
          } else if (!first_from_) {
            first_from_ = place;
          }
        }
        return;
      }
      return;
    }
    // "cc1: fatal error: x.c: No such file or directory", "gcc: error: ...".
    for (const std::string_view driver : {"cc1: ", "cc1plus: ", "gcc: ", "g++: ", "cc: ", "c++: ", "clang: ",
                                          "clang++: ", "clang-14: "}) {
      if (!text.starts_with(driver)) continue;
      std::string_view rest = text.substr(driver.size());
      auto severity = kind_of(rest);
      if (!severity || *severity != Severity::error || contains(rest, "linker command failed") ||
          contains(rest, "ld returned")) {
        return;
      }
      flush(out);
      Diagnostic d = begin_diagnostic(l, driver.starts_with("clang") ? "clang" : "gcc");
      d.message = std::string(rest);
      out.add(std::move(d));
      return;
    }
    if (contains(text, ": In instantiation of ")) {
      here_.reset();
      first_from_.reset();
    }
    // An unindented line that is no part of the diagnostic ends it; a
    // diagnostic in a library header waits for Clang's instantiation notes.
    if (held_ && !text.empty() && indent_of(text) == 0 && !text.starts_with("In file included from")) {
      flush(out);
    }
  }

 private:
  void watch_format(std::string_view text) {
    ++after_;
    if (after_ == 1) {
      gutter_ = is_gutter(text);
      if (gutter_) held_->tool = "gcc";
    } else if (after_ == 2 && !gutter_ && is_caret_line(text)) {
      held_->tool = "clang";
      default_tool_ = "clang";
    }
  }

  void on_diagnostic(const OutputLine& l, const Located& at, Severity severity, std::string_view message,
                     DiagnosticSink& out) {
    if (severity == Severity::note) {
      // Clang: the outermost instantiation in the project's own code is
      // where the user called into the library.
      if (held_ && contains(message, "in instantiation of") && contains(message, "requested here") &&
          !is_project_file(held_->file, l) && is_project_file(at.file, l)) {
        locate(*held_, at);
      }
      return;
    }
    flush(out);
    Diagnostic d = begin_diagnostic(l, default_tool_, severity);
    locate(d, at);
    std::string_view text = message;
    // "... [-Wunused-variable]": the option is the warning's code.
    if (text.ends_with(']')) {
      const size_t open = text.rfind(" [-W");
      if (open != std::string_view::npos) {
        d.code = std::string(text.substr(open + 2, text.size() - open - 3));
        text = text.substr(0, open);
      }
    }
    d.message = std::string(text);
    if (!is_project_file(d.file, l)) {
      const auto& place = here_ ? here_ : first_from_;
      if (place) {
        d.file = place->file;
        d.line = place->line;
        d.column = place->column;
      }
    }
    here_.reset();
    first_from_.reset();
    held_ = std::move(d);
    after_ = 0;
    gutter_ = false;
  }

  std::string default_tool_ = "gcc";
  std::optional<Place> here_;
  std::optional<Place> first_from_;
  int after_ = 0;
  bool gutter_ = false;
};

}  // namespace

std::unique_ptr<Recognizer> make_gcc_clang_recognizer() { return std::make_unique<GccClangRecognizer>(); }

}  // namespace reship::back::diagnostics
