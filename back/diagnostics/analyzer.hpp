#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "back/diagnostics/build_dirs.hpp"
#include "back/diagnostics/diagnostic.hpp"
#include "back/diagnostics/diagnostic_store.hpp"
#include "back/diagnostics/recognizer.hpp"
#include "back/diagnostics/telling_lines.hpp"

namespace reship::back::diagnostics {

/// What a failed step's output says.
struct Analysis {
  /// At most Analyzer::kMaxDiagnostics, the first a person would fix first:
  /// structured diagnostics (SARIF, GCC JSON) before those read off the
  /// text; then causes before follow-ons (a package manager's ELIFECYCLE,
  /// make's "Error 1"), errors before warnings before notes, the project's
  /// own files before third-party ones, earlier before later.
  std::vector<Diagnostic> diagnostics;
  /// True when a recogniser (or a structured file) named a cause; false when
  /// `diagnostics` holds only follow-ons and the generic fallback's guesses.
  bool recognised = false;
  /// The most telling lines of the output (TellingLines), for when nothing
  /// was recognised.
  std::vector<std::string> telling_lines;
  /// What said the process ran out of memory ("JavaScript heap out of
  /// memory", "MemoryError", "std::bad_alloc"), when something did.
  std::optional<std::string> out_of_memory;
};

/// Reads a failed step's output line by line, as it comes from the log, and
/// gives its diagnostics. Each line goes through terminal_text() (ANSI
/// escapes gone, valid UTF-8, at most kMaxLineBytes) and then through every
/// recogniser of recognizer_table(); time is linear in the output and memory
/// bounded whatever it holds (20 MB, 1 MB lines, invalid UTF-8, \r progress
/// bars).
class Analyzer {
 public:
  static constexpr size_t kMaxDiagnostics = 20;

  /// `workdir`: where the build ran; files inside it are given relative to
  /// it. Empty: paths stay as the tools printed them.
  explicit Analyzer(std::string workdir = {});
  ~Analyzer();
  Analyzer(Analyzer&&) noexcept;
  Analyzer& operator=(Analyzer&&) noexcept;

  /// The next line of output, without its '\n'.
  void add(std::string_view line);
  /// Diagnostics the build wrote itself (read_diagnostics_dir()): they come
  /// first and win over what the text says about the same line.
  void add_structured(std::vector<Diagnostic> diagnostics);
  /// What the output said so far. May be called at any time, more than once.
  Analysis result() const;

  size_t lines() const { return lines_; }

 private:
  std::string workdir_;
  std::vector<std::unique_ptr<Recognizer>> recognizers_;
  std::unique_ptr<Recognizer> generic_;
  DiagnosticStore found_;
  DiagnosticStore guessed_;
  std::vector<Diagnostic> structured_;
  BuildDirectories dirs_;
  TellingLines telling_;
  size_t lines_ = 0;
};

/// Analyses `text` split on '\n' (a whole output at once, as a failed
/// service's last output comes from the supervisor).
Analysis analyze_text(std::string_view text, std::string workdir = {});

}  // namespace reship::back::diagnostics
