#pragma once

// What the diagnostics tests share: running one recogniser of the table, or
// the whole analyser, over a few lines.

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "back/diagnostics/analyzer.hpp"
#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/text.hpp"

namespace reship::test {

/// The diagnostics the recogniser named `name` in recognizer_table() (or
/// "generic", the fallback) finds
/// in `lines` (terminal_text applied, as the analyser does), in the order it
/// gives them, with what it still holds at the end.
inline std::vector<back::diagnostics::Diagnostic> recognize(std::string_view name,
                                                            std::initializer_list<std::string_view> lines,
                                                            std::string_view workdir = {}) {
  using namespace back::diagnostics;
  struct Collect final : DiagnosticSink {
    std::vector<Diagnostic> found;
    void add(Diagnostic d) override { found.push_back(std::move(d)); }
  } sink;
  std::unique_ptr<Recognizer> recognizer;
  if (name == "generic") recognizer = make_generic_recognizer();
  for (const auto& entry : recognizer_table()) {
    if (entry.name == name) recognizer = entry.make();
  }
  if (!recognizer) throw std::logic_error("no recogniser named " + std::string(name));
  size_t number = 0;
  for (const auto raw : lines) {
    const std::string text = terminal_text(raw);
    recognizer->line(OutputLine{text, number++, workdir}, sink);
  }
  recognizer->pending(sink);
  return sink.found;
}

/// The analysis of `lines`.
inline back::diagnostics::Analysis analyze(std::initializer_list<std::string_view> lines, std::string workdir = {}) {
  back::diagnostics::Analyzer analyzer(std::move(workdir));
  for (const auto line : lines) analyzer.add(line);
  return analyzer.result();
}

}  // namespace reship::test
