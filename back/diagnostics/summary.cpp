#include "back/diagnostics/summary.hpp"

#include <optional>

#include "back/diagnostics/telling_lines.hpp"
#include "back/diagnostics/text.hpp"
#include "common/text/utf8.hpp"

namespace reship::back::diagnostics {
namespace {

// Values and messages on one line each: a multi-line value shows its first.
std::string one_line(std::string_view text, size_t max_bytes) {
  const size_t nl = text.find('\n');
  return shorten(trim(text.substr(0, nl)), max_bytes);
}

}  // namespace

std::string summary_line(const Diagnostic& d) {
  std::string out = location_text(d);
  if (!out.empty()) out += ": ";
  if (!d.test.empty()) {
    out += "test \"" + one_line(d.test, 200) + "\" failed: " + one_line(d.message, 400);
    if (!d.expected.empty()) out += "\n  expected: " + one_line(d.expected, 200);
    if (!d.received.empty()) out += "\n  received: " + one_line(d.received, 200);
    return out;
  }
  out += severity_name(d.severity);
  if (!d.code.empty() && !d.code.starts_with("-W")) out += " " + d.code;
  out += ": " + one_line(d.message, 500);
  if (d.code.starts_with("-W")) out += " [" + d.code + "]";
  return out;
}

std::string cap_text(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = text.rfind('\n', max_bytes);
  if (cut == std::string::npos || cut < max_bytes / 2) cut = common::utf8_safe_cut(text, max_bytes);
  return text.substr(0, cut) + "\n…";
}

std::string compose_summary(std::string_view headline, const Analysis& analysis, size_t max_bytes) {
  std::string summary = one_line(headline, 300);
  if (summary.empty()) summary = "failed";
  size_t listed = 0;
  if (analysis.recognised) {
    std::optional<Severity> worst;
    for (const auto& d : analysis.diagnostics) {
      if (d.follow_on || listed >= kSummaryDiagnostics) continue;
      // Errors first, and then only errors: the warnings can wait.
      if (!worst) worst = d.severity;
      if (d.severity != *worst) continue;
      const std::string line = summary_line(d);
      // Whole lines only: a cut diagnostic misleads more than a missing one.
      if (listed > 0 && summary.size() + 1 + line.size() > max_bytes) break;
      summary += "\n" + line;
      ++listed;
    }
  }
  if (listed == 0) {
    for (const auto& line : analysis.telling_lines) summary += "\n" + line;
  }
  if (analysis.out_of_memory && !contains(summary, "out of memory") && !contains(summary, "MemoryError")) {
    summary += "\nout of memory: " + one_line(*analysis.out_of_memory, 200);
  }
  return cap_text(summary, max_bytes);
}

RestartFailure analyze_restart_failure(std::string_view service, std::string_view error, std::string_view output,
                                       std::string workdir, size_t max_bytes) {
  const Analysis analysis = analyze_text(output, std::move(workdir));
  RestartFailure out;
  out.summary = compose_summary("restart of " + std::string(service) + " failed: " + std::string(error), analysis,
                                max_bytes);
  out.diagnostics = analysis.diagnostics;
  return out;
}

}  // namespace reship::back::diagnostics
