// Fuzz target: a failed step's output through the diagnostics analyser
// (back/diagnostics/analyzer.hpp), every recogniser, and the summary composer,
// as the engine will run them on a build's log or a service's last output.
//
// Invariants:
// - at most Analyzer::kMaxDiagnostics diagnostics; every text valid UTF-8
//   and within the store's caps; lines and columns not negative;
// - result() is the same when asked twice;
// - the diagnostics' JSON reads back (parse_diagnostics_json) and writes the
//   same again;
// - compose_summary starts with its headline, is valid UTF-8, never empty,
//   within its cap; analyze_restart_failure's summary within its own.

#include <string>
#include <string_view>

#include "back/diagnostics/analyzer.hpp"
#include "back/diagnostics/diagnostic_store.hpp"
#include "back/diagnostics/summary.hpp"
#include "common/text/utf8.hpp"
#include "fuzz_support.hpp"

namespace {

namespace dx = reship::back::diagnostics;
namespace common = reship::common;

void check_text(const std::string& s) {
  FUZZ_CHECK(common::is_valid_utf8(s));
  FUZZ_CHECK(s.size() <= dx::DiagnosticStore::kMaxText + 3);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = reship::fuzz::as_text(data, size);
  reship::fuzz::Chunker chunker(bytes);
  // Half the runs with a workdir, so that relative paths are made too.
  dx::Analyzer analyzer(chunker.random() % 2 ? "/app" : "");
  size_t start = 0;
  while (start <= bytes.size()) {
    size_t end = bytes.find('\n', start);
    if (end == std::string_view::npos) end = bytes.size();
    analyzer.add(bytes.substr(start, end - start));
    start = end + 1;
  }
  const dx::Analysis a = analyzer.result();
  FUZZ_CHECK(a.diagnostics.size() <= dx::Analyzer::kMaxDiagnostics);
  for (const auto& d : a.diagnostics) {
    check_text(d.message);
    check_text(d.file);
    check_text(d.test);
    check_text(d.expected);
    check_text(d.received);
    FUZZ_CHECK(common::is_valid_utf8(d.tool) && common::is_valid_utf8(d.code));
    FUZZ_CHECK(d.line >= 0 && d.column >= 0);
  }
  const std::string json = dx::diagnostics_json(a.diagnostics);
  FUZZ_CHECK(dx::diagnostics_json(analyzer.result().diagnostics) == json);
  auto back = dx::parse_diagnostics_json(json);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(dx::diagnostics_json(*back) == json);

  const std::string summary = dx::compose_summary("build failed: exited with code 2", a);
  FUZZ_CHECK(summary.starts_with("build failed: exited with code 2"));
  FUZZ_CHECK(common::is_valid_utf8(summary));
  FUZZ_CHECK(summary.size() <= dx::kMaxSummaryBytes + 4);
  for (const auto& line : a.telling_lines) FUZZ_CHECK(common::is_valid_utf8(line));

  // A service's last output is smaller: the supervisor keeps its tail.
  if (size <= 64 * 1024) {
    const auto restart = dx::analyze_restart_failure("platform-back", "exited with code 1", bytes, "/app");
    FUZZ_CHECK(common::is_valid_utf8(restart.summary) && restart.summary.size() <= 900 + 4);
    FUZZ_CHECK(restart.diagnostics.size() <= dx::Analyzer::kMaxDiagnostics);
  }
  return 0;
}
