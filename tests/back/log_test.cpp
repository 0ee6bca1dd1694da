#include <catch2/catch.hpp>

#include "common/text/line_splitter.hpp"
#include "back/store/log_store.hpp"
#include "common/text/utf8.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship::back;
using reship::test::TempDir;

namespace {

std::vector<std::string> split(const std::string& input, size_t step, size_t max_line = 1 << 20) {
  reship::common::LineSplitter s(max_line);
  std::vector<std::string> lines;
  for (size_t i = 0; i < input.size(); i += step) {
    s.feed(std::string_view(input).substr(i, step), [&](std::string_view l) { lines.emplace_back(l); });
  }
  s.finish([&](std::string_view l) { lines.emplace_back(l); });
  return lines;
}

}  // namespace

TEST_CASE("line splitter: any chunking gives the same lines", "[unit]") {
  const std::string input = "one\ntwo\r\n\nprogress 10%\rprogress 100%\nno newline at end";
  const std::vector<std::string> expected{"one", "two\r", "", "progress 10%\rprogress 100%", "no newline at end"};
  for (size_t step = 1; step <= input.size(); ++step) {
    INFO(step);
    CHECK(split(input, step) == expected);
  }
}

TEST_CASE("line splitter: a line over the cap comes in pieces of the cap", "[unit]") {
  const std::string input = std::string(25, 'a') + "\nb\n";
  auto lines = split(input, 7, 10);
  CHECK(lines == std::vector<std::string>{"aaaaaaaaaa", "aaaaaaaaaa", "aaaaa", "b"});
}

TEST_CASE("log store: lines with stream and time come back by offset", "[unit]") {
  TempDir dir;
  LogStore store(dir.path(), 10);
  REQUIRE(store.prepare().ok());
  auto writer = store.create("d-1");
  REQUIRE(writer.ok());
  auto& w = **writer;
  w.begin(LogStream::out, 1000);
  CHECK(w.add("first") == 0);
  CHECK(w.add("second") == 6);
  w.end();
  w.begin(LogStream::err, 2000);
  CHECK(w.add("oops \xFF") == 13);
  w.end();
  CHECK(w.bytes() == 13 + 9);  // "oops \xFF" becomes "oops " + U+FFFD (3 bytes)
  CHECK(reship::test::read_file(dir.path() / "logs/d-1.log") == "first\nsecond\noops \xEF\xBF\xBD\n");

  auto lines = store.lines("d-1", 0, 100);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].text == "first");
  CHECK(lines[0].stream == LogStream::out);
  CHECK(lines[0].at_ms == 1000);
  CHECK(lines[2].offset == 13);
  CHECK(lines[2].stream == LogStream::err);
  CHECK(lines[2].at_ms == 2000);
  auto from_second = store.lines("d-1", 6, 1);
  REQUIRE(from_second.size() == 1);
  CHECK(from_second[0].text == "second");

  int64_t size = 0;
  auto part = store.read("d-1", 6, 7, &size);
  REQUIRE(part.ok());
  CHECK(*part == "second\n");
  CHECK(size == 22);
}

TEST_CASE("log store: the tail starts at a line and is valid UTF-8", "[unit]") {
  TempDir dir;
  LogStore store(dir.path(), 10);
  REQUIRE(store.prepare().ok());
  auto writer = store.create("d-2");
  REQUIRE(writer.ok());
  (*writer)->begin(LogStream::out, 0);
  for (int i = 0; i < 100; ++i) (*writer)->add("line " + std::to_string(i) + " caf\xC3\xA9");
  (*writer)->end();
  const std::string tail = store.tail("d-2", 50);
  CHECK(tail.size() <= 50);
  CHECK_THAT(tail, Catch::StartsWith("line "));
  CHECK_THAT(tail, Catch::EndsWith("line 99 caf\xC3\xA9\n"));
  CHECK(reship::common::is_valid_utf8(tail));
  CHECK(store.tail("missing", 50).empty());
}

TEST_CASE("log store: retention keeps the newest logs and the active ones", "[unit]") {
  TempDir dir;
  LogStore store(dir.path(), 2);
  REQUIRE(store.prepare().ok());
  for (const char* id : {"d-1", "d-2", "d-3", "d-4", "d-5"}) REQUIRE(store.create(id).ok());
  store.prune({"d-1"});
  CHECK(std::filesystem::exists(dir.path() / "logs/d-1.log"));  // active, however old
  CHECK_FALSE(std::filesystem::exists(dir.path() / "logs/d-2.log"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "logs/d-2.idx"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "logs/d-3.log"));
  CHECK(std::filesystem::exists(dir.path() / "logs/d-4.log"));
  CHECK(std::filesystem::exists(dir.path() / "logs/d-5.log"));
}
