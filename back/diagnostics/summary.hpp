#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "back/diagnostics/analyzer.hpp"
#include "back/diagnostics/diagnostic.hpp"

namespace reship::back::diagnostics {

/// The size an errorSummary is kept under (bytes), well under 2 KB.
inline constexpr size_t kMaxSummaryBytes = 1800;
/// How many diagnostics a summary lists.
inline constexpr size_t kSummaryDiagnostics = 4;

/// One diagnostic as a summary line: "src/x.ts:48:7: error TS2322: message";
/// a failed test as "src/cart.test.js:5:49: test \"cart › adds\" failed:
/// message", with "  expected: 6" and "  received: 5" on lines of their own.
std::string summary_line(const Diagnostic& d);

/// The errorSummary of a failed step. The first line is `headline`, which
/// says which step failed and how ("build failed: exited with code 2",
/// "build timed out after 30m (stopped with SIGTERM)", "build killed by
/// SIGKILL (out of memory?)", "restart of platform-back failed: ..."); then
/// the first kSummaryDiagnostics causes as summary_line()s, or, when no
/// recogniser named a cause, the output's telling lines; then, if the output
/// said it ran out of memory and the headline does not, a line that says so.
/// At most `max_bytes` (cut at a line), valid UTF-8, never empty.
std::string compose_summary(std::string_view headline, const Analysis& analysis,
                            size_t max_bytes = kMaxSummaryBytes);

/// `text` when it fits in `max_bytes`; else cut at a line (or, when no line
/// ends in its second half, at a character) with "\n…" after the cut.
std::string cap_text(const std::string& text, size_t max_bytes);

/// A failed restart, as the engine records it.
struct RestartFailure {
  std::string summary;                   ///< for errorSummary: "restart of web failed: ..." and what failed
  std::vector<Diagnostic> diagnostics;   ///< of the service's own last output
};

/// The summary and diagnostics of a service that failed to restart:
/// `error` is the supervisor's ("exited with code 1 before it was ready"),
/// `output` the service's last output as the supervisor sends it (its stack
/// trace), `workdir` where the platform runs. The summary is at most
/// `max_bytes`, since the failures of several services are joined.
RestartFailure analyze_restart_failure(std::string_view service, std::string_view error, std::string_view output,
                                       std::string workdir = {}, size_t max_bytes = 900);

}  // namespace reship::back::diagnostics
