#include "back/engine/error_summary.hpp"

#include "back/diagnostics/summary.hpp"
#include "back/diagnostics/text.hpp"

namespace reship::back {

std::string clean_line(std::string_view line, size_t max_chars) {
  return diagnostics::cut_chars(diagnostics::terminal_text(line, max_chars * 4), max_chars);
}

std::string cap_summary(const std::string& text, size_t max_bytes) { return diagnostics::cap_text(text, max_bytes); }

std::string build_failure_summary(const std::string& how_it_ended, const ErrorCollector& output) {
  std::string summary = "build " + how_it_ended;
  for (const auto& line : output.telling_lines()) summary += "\n" + line;
  return cap_summary(summary);
}

std::string restart_failure_summary(const std::string& service, const std::string& error, const std::string& output) {
  diagnostics::TellingLines telling;
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    telling.add(diagnostics::terminal_text(std::string_view(output).substr(start, end - start)));
    start = end + 1;
  }
  std::string summary = "restart of " + service + " failed: " + error;
  for (const auto& line : telling.lines()) summary += "\n" + line;
  return cap_summary(summary, 900);
}

}  // namespace reship::back
