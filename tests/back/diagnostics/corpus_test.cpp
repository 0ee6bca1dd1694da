// The diagnostics corpus (cases/*/): real output of real tools, each run
// through the path a failed build's output takes (split into lines as the
// build's pipes are, written to a deploy log, read back as the engine's
// collect_errors() reads it, without reship's own lines), then the analyser
// and the errorSummary composer. Each case's expected.json says what its
// first diagnostic must be.
//
// RESHIP_CORPUS_PRINT=1 prints every case's diagnostics and summary.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include "back/diagnostics/structured.hpp"
#include "back/diagnostics/summary.hpp"
#include "common/text/line_splitter.hpp"
#include "back/store/log_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace reship::back;
using namespace reship::back::diagnostics;

namespace {

// Where make-corpus ran each case: cases/<name>/ as /tmp/reship-corpus/<name>.
constexpr const char* kCorpusRoot = "/tmp/reship-corpus/";

struct Outcome {
  Analysis analysis;
  std::string summary;
};

Outcome run_case(const fs::path& dir, const fs::path& state) {
  const std::string name = dir.filename().string();
  const std::string output = reship::test::read_file(dir / "output.txt");
  const std::string exit_code = reship::test::read_file(dir / "exit-code");

  // The build's output into a deploy log, as BuildProcess and LogWriter do.
  LogStore logs(state, 100);
  REQUIRE(logs.prepare());
  auto writer = logs.create(name);
  REQUIRE(writer);
  reship::common::LineSplitter splitter;
  (*writer)->begin(LogStream::out, 0);
  const auto add = [&](std::string_view line) { (*writer)->add(line); };
  splitter.feed(output, add);
  splitter.finish(add);
  (*writer)->end();
  (*writer)->begin(LogStream::reship, 0);
  (*writer)->add("[reship] build exited with code " + exit_code);
  (*writer)->end();

  // ... and back, as the engine reads a failed build's log.
  Analyzer analyzer(kCorpusRoot + name);
  logs.for_each_line(name, 4 * 1024 * 1024, [&](std::string_view line) {
    if (line.substr(0, 9) != "[reship] ") analyzer.add(line);
  });
  auto structured = read_diagnostics_dir(dir / "diagnostics");
  for (const auto& problem : structured.problems) WARN(name << ": " << problem);
  analyzer.add_structured(std::move(structured.diagnostics));

  Outcome out;
  out.analysis = analyzer.result();
  std::string code = exit_code.substr(0, exit_code.find('\n'));
  out.summary = compose_summary("build failed: exited with code " + code, out.analysis);
  return out;
}

std::string string_of(simdjson::dom::object o, std::string_view key) {
  std::string_view s;
  return o[key].get_string().get(s) ? std::string() : std::string(s);
}

int64_t int_of(simdjson::dom::object o, std::string_view key) {
  int64_t n = 0;
  return o[key].get_int64().get(n) ? -1 : n;
}

// What is wrong with the case's outcome; empty when it is right.
std::vector<std::string> check_case(simdjson::dom::object expected, const Outcome& got) {
  std::vector<std::string> wrong;
  const auto& diagnostics = got.analysis.diagnostics;
  if (diagnostics.empty()) return {"no diagnostics"};
  const Diagnostic& first = diagnostics.front();
  const auto expect_equal = [&](std::string_view key, const std::string& actual) {
    const std::string want = string_of(expected, key);
    if (!want.empty() && actual != want) wrong.push_back(std::string(key) + ": \"" + actual + "\", not \"" + want + "\"");
  };
  const auto expect_part = [&](std::string_view key, const std::string& actual) {
    const std::string want = string_of(expected, key);
    if (!want.empty() && actual.find(want) == std::string::npos) {
      wrong.push_back(std::string(key) + ": \"" + actual + "\" does not hold \"" + want + "\"");
    }
  };
  expect_equal("tool", first.tool);
  expect_equal("severity", severity_name(first.severity));
  expect_equal("file", first.file);
  expect_part("message", first.message);
  expect_part("test", first.test);
  expect_part("expected", first.expected);
  expect_part("received", first.received);
  expect_equal("code", first.code);
  for (const auto& [key, actual] : {std::pair<std::string_view, int>{"line", first.line}, {"column", first.column}}) {
    const int64_t want = int_of(expected, key);
    if (want >= 0 && actual != want) {
      wrong.push_back(std::string(key) + ": " + std::to_string(actual) + ", not " + std::to_string(want));
    }
  }
  bool oom = false;
  if (!expected["out_of_memory"].get_bool().get(oom) && oom != got.analysis.out_of_memory.has_value()) {
    wrong.push_back(oom ? "out of memory not seen" : "out of memory seen where there was none");
  }
  // The summary names the place (or, without one, the message).
  const std::string file = string_of(expected, "file");
  const int64_t line = int_of(expected, "line");
  const std::string place = line > 0 ? file + ":" + std::to_string(line) : file;
  if (!place.empty() && got.summary.find(place) == std::string::npos) {
    wrong.push_back("the summary does not name " + place);
  }
  const std::string message = string_of(expected, "message");
  if (place.empty() && got.summary.find(message) == std::string::npos) {
    wrong.push_back("the summary does not say \"" + message + "\"");
  }
  simdjson::dom::array parts;
  if (!expected["summary"].get_array().get(parts)) {
    for (auto part : parts) {
      std::string_view s;
      if (!part.get_string().get(s) && got.summary.find(s) == std::string::npos) {
        wrong.push_back("the summary does not hold \"" + std::string(s) + "\"");
      }
    }
  }
  if (got.summary.size() > 2048) wrong.push_back("the summary is over 2 KB");
  return wrong;
}

}  // namespace

TEST_CASE("diagnostics corpus: every case's first diagnostic and summary", "[unit]") {
  const fs::path cases = fs::path(RESHIP_SOURCE_DIR) / "tests/back/diagnostics/cases";
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(cases)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  REQUIRE(dirs.size() >= 30);

  reship::test::TempDir state;
  const bool print = std::getenv("RESHIP_CORPUS_PRINT") != nullptr;
  size_t passed = 0;
  std::string failures;
  simdjson::dom::parser parser;
  for (const auto& dir : dirs) {
    const std::string name = dir.filename().string();
    const Outcome got = run_case(dir, state.path());
    simdjson::dom::object expected;
    const std::string expected_text = reship::test::read_file(dir / "expected.json");
    std::vector<std::string> wrong;
    if (parser.parse(expected_text).get_object().get(expected)) {
      wrong.push_back("expected.json is missing or not a JSON object");
    } else {
      wrong = check_case(expected, got);
    }
    if (print) {
      std::printf("== %s\n%s\n%s\n\n", name.c_str(), diagnostics_json(got.analysis.diagnostics).c_str(),
                  got.summary.c_str());
    }
    if (wrong.empty()) {
      ++passed;
      continue;
    }
    failures += name + ":\n";
    for (const auto& w : wrong) failures += "  " + w + "\n";
    failures += "  summary: " + got.summary + "\n";
  }
  std::printf("diagnostics corpus: %zu/%zu cases\n", passed, dirs.size());
  std::fflush(stdout);
  INFO(failures);
  CHECK(passed == dirs.size());
}
