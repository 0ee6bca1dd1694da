#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "back/diagnostics/analyzer.hpp"
#include "back/diagnostics/telling_lines.hpp"

namespace reship::back {

/// Reads a failed build's output, line by line as it comes back from the
/// log, with diagnostics::Analyzer: the diagnostics of the toolchains it
/// knows, and the most telling lines (compiler errors, exceptions and the
/// first frame of their stack trace, failing tests, ERROR and FATAL lines,
/// the first ones kept; with none, the last lines).
class ErrorCollector {
 public:
  static constexpr size_t kMaxKept = diagnostics::TellingLines::kMaxKept;
  static constexpr size_t kMaxLineChars = diagnostics::TellingLines::kMaxLineChars;

  /// `workdir`: where the build ran, so that diagnostics name files relative
  /// to it; empty keeps paths as printed.
  explicit ErrorCollector(std::string workdir = {}) : analyzer_(std::move(workdir)) {}

  void add(std::string_view line) { analyzer_.add(line); }
  /// The telling lines, in the order they appeared.
  std::vector<std::string> telling_lines() const { return analyzer_.result().telling_lines; }
  /// Everything the output said (diagnostics for the record, the summary's
  /// material).
  diagnostics::Analysis analysis() const { return analyzer_.result(); }
  /// To add structured diagnostics (diagnostics::read_diagnostics_dir()).
  diagnostics::Analyzer& analyzer() { return analyzer_; }

 private:
  diagnostics::Analyzer analyzer_;
};

/// A short summary of a failed build: "build " + `how_it_ended` ("failed:
/// exited with code 2", "timed out after 30m (stopped with SIGTERM)") on the
/// first line, then the telling lines. At most 1800 bytes. Its successor,
/// diagnostics::compose_summary("build " + how, output.analysis()), names
/// the first diagnostics' file:line:col instead when a toolchain was
/// recognised.
std::string build_failure_summary(const std::string& how_it_ended, const ErrorCollector& output);

/// One failed restart: the service, the supervisor's error, and the telling
/// lines of the service's last output. (diagnostics::analyze_restart_failure
/// gives its diagnostics too, and names the failing line.)
std::string restart_failure_summary(const std::string& service, const std::string& error, const std::string& output);

/// Joins summary parts and keeps the whole under `max_bytes` (cut at a line
/// or character boundary).
std::string cap_summary(const std::string& text, size_t max_bytes = 1800);

/// The line as a terminal shows it (diagnostics::terminal_text: no ANSI
/// escapes, only what follows the last '\r', valid UTF-8), trimmed, at most
/// `max_chars` characters.
std::string clean_line(std::string_view line, size_t max_chars = ErrorCollector::kMaxLineChars);

}  // namespace reship::back
