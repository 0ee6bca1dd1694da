#include <fstream>

#include <catch2/catch.hpp>

#include "back/diagnostics/diagnostic.hpp"
#include "back/diagnostics/structured.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship::back::diagnostics;

namespace {

std::string corpus_file(const std::string& path) {
  return reship::test::read_file(std::string(RESHIP_SOURCE_DIR) + "/tests/back/diagnostics/cases/" + path);
}

}  // namespace

TEST_CASE("sarif: ESLint's SARIF, as its formatter writes it", "[unit]") {
  auto found = read_sarif(corpus_file("eslint-sarif-structured/diagnostics/eslint.sarif"));
  REQUIRE(found);
  REQUIRE(found->size() == 2);
  const Diagnostic& d = (*found)[1];
  CHECK(d.tool == "eslint");
  CHECK(d.severity == Severity::error);
  CHECK(d.code == "no-undef");
  CHECK(d.file == "file:///tmp/reship-corpus/eslint-sarif-structured/src/cart.js");
  CHECK(d.line == 9);
  CHECK(d.column == 36);
  CHECK(d.message == "'formatPrice' is not defined.");
  CHECK((*found)[0].severity == Severity::warning);
}

TEST_CASE("sarif: relative URIs under their base, artifacts by index, suppressed and levelless results", "[unit]") {
  auto found = read_sarif(R"({"version":"2.1.0","runs":[{
    "tool":{"driver":{"name":"GNU C17"}},
    "originalUriBaseIds":{"SRCROOT":{"uri":"file:///app/"}},
    "artifacts":[{"location":{"uri":"src/b.c"}}],
    "results":[
      {"ruleId":"-Wunused","level":"error","message":{"text":"a"},
       "locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/a.c","uriBaseId":"SRCROOT"},
                                         "region":{"startLine":3,"startColumn":4}}}]},
      {"message":{"text":"b"},"locations":[{"physicalLocation":{"artifactLocation":{"index":0},"region":{"startLine":7}}}]},
      {"level":"error","message":{"text":"hidden"},"suppressions":[{"kind":"inSource"}]},
      {"level":"note","ruleId":"R9"}
    ]}]})");
  REQUIRE(found);
  REQUIRE(found->size() == 3);
  CHECK((*found)[0].tool == "gcc");
  CHECK((*found)[0].file == "file:///app/src/a.c");
  CHECK((*found)[0].line == 3);
  CHECK((*found)[1].severity == Severity::warning);
  CHECK((*found)[1].file == "src/b.c");
  CHECK((*found)[2].severity == Severity::note);
  CHECK((*found)[2].message == "R9");
}

TEST_CASE("sarif: what is not SARIF says so", "[unit]") {
  CHECK_FALSE(read_sarif("{\"version\":\"2.1.0\"}"));
  CHECK_FALSE(read_sarif("not json"));
  CHECK(read_sarif("{\"runs\":[]}")->empty());
}

TEST_CASE("gcc json: GCC 12's -fdiagnostics-format=json, notes left out", "[unit]") {
  auto found = read_gcc_json(corpus_file("gcc-json-structured/diagnostics/main.o.json"));
  REQUIRE(found);
  REQUIRE(found->size() == 3);
  CHECK((*found)[0].severity == Severity::warning);
  CHECK((*found)[0].code == "-Wparentheses");
  CHECK((*found)[1].severity == Severity::error);
  CHECK((*found)[1].file == "main.c");
  CHECK((*found)[1].line == 7);
  CHECK((*found)[1].column == 10);
  CHECK((*found)[1].message == "‘prot’ undeclared (first use in this function); did you mean ‘port’?");
}

TEST_CASE("gcc json: several compilations into one file, and broken files", "[unit]") {
  auto two = read_gcc_json(R"([{"kind":"error","message":"a","locations":[{"caret":{"file":"a.c","line":1,"column":2}}]}]
[{"kind":"fatal error","message":"b"}])");
  REQUIRE(two);
  REQUIRE(two->size() == 2);
  CHECK((*two)[1].severity == Severity::error);
  CHECK_FALSE(read_gcc_json("[{\"kind\":"));
  CHECK_FALSE(read_gcc_json("{\"kind\":\"error\"}"));
  CHECK_FALSE(read_gcc_json(""));
}

TEST_CASE("diagnostics dir: every .sarif and .json file, in name order, problems said", "[unit]") {
  reship::test::TempDir dir;
  dir.write("a.json", corpus_file("gcc-json-structured/diagnostics/main.o.json"));
  dir.write("b.sarif", corpus_file("eslint-sarif-structured/diagnostics/eslint.sarif"));
  dir.write("c.json", "");  // a compilation that had nothing to say
  dir.write("d.sarif", "{broken");
  dir.write("notes.txt", "ignored");
  const auto found = read_diagnostics_dir(dir.path());
  CHECK(found.diagnostics.size() == 5);
  CHECK(found.diagnostics[0].tool == "gcc");
  CHECK(found.diagnostics[4].tool == "eslint");
  REQUIRE(found.problems.size() == 1);
  CHECK(found.problems[0].starts_with("d.sarif: invalid JSON"));
  CHECK(read_diagnostics_dir(dir / "missing").diagnostics.empty());
}

TEST_CASE("diagnostics dir: a file too large is refused, not cut", "[unit]") {
  reship::test::TempDir dir;
  {
    std::ofstream big(dir / "huge.sarif");
    big << "{\"runs\":[]}";
    big.seekp(static_cast<std::streamoff>(kMaxStructuredFileBytes) + 1);
    big << ' ';
  }
  const auto found = read_diagnostics_dir(dir.path());
  CHECK(found.diagnostics.empty());
  REQUIRE(found.problems.size() == 1);
  CHECK(found.problems[0].find("not read") != std::string::npos);
}

TEST_CASE("diagnostics json: written with the keys that are known, read back the same", "[unit]") {
  Diagnostic a;
  a.tool = "jest";
  a.file = "src/cart.test.js";
  a.line = 5;
  a.column = 49;
  a.message = "expect(received).toBe(expected)";
  a.test = "cart › adds";
  a.expected = "6";
  a.received = "5";
  Diagnostic b;
  b.severity = Severity::warning;
  b.message = "only this";
  const std::string json = diagnostics_json({a, b});
  CHECK(json ==
        R"json([{"tool":"jest","severity":"error","file":"src/cart.test.js","line":5,"column":49,)json"
        R"json("message":"expect(received).toBe(expected)","test":"cart › adds","expected":"6","received":"5"},)json"
        R"json({"severity":"warning","message":"only this"}])json");
  auto back = parse_diagnostics_json(json);
  REQUIRE(back);
  REQUIRE(back->size() == 2);
  CHECK(diagnostics_json(*back) == json);
  CHECK_FALSE(parse_diagnostics_json("{}"));
}
