#include <catch2/catch.hpp>

#include "ipc/line_framer.hpp"

using reship::ipc::LineFramer;

namespace {

std::vector<std::string> feed_all(LineFramer& f, const std::vector<std::string>& chunks, LineFramer::Status* last) {
  std::vector<std::string> lines;
  for (const auto& c : chunks) {
    *last = f.feed(c, [&](std::string_view line) {
      lines.emplace_back(line);
      return true;
    });
    if (*last != LineFramer::Status::ok) break;
  }
  return lines;
}

}  // namespace

TEST_CASE("line framer: splits lines across any chunking", "[unit]") {
  const std::string input = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n";
  for (size_t step = 1; step <= input.size(); ++step) {
    LineFramer f;
    std::vector<std::string> chunks;
    for (size_t i = 0; i < input.size(); i += step) chunks.push_back(input.substr(i, step));
    LineFramer::Status st;
    auto lines = feed_all(f, chunks, &st);
    INFO(step);
    CHECK(st == LineFramer::Status::ok);
    CHECK(lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"});
    CHECK(f.pending() == 0);
  }
}

TEST_CASE("line framer: a line over the cap is too long, exactly the cap is fine", "[unit]") {
  LineFramer f(10);
  LineFramer::Status st;
  CHECK(feed_all(f, {"0123456789\n"}, &st).size() == 1);
  CHECK(st == LineFramer::Status::ok);
  LineFramer g(10);
  feed_all(g, {"01234", "567890"}, &st);
  CHECK(st == LineFramer::Status::too_long);
  LineFramer h(10);
  feed_all(h, {"0123456789012\n"}, &st);
  CHECK(st == LineFramer::Status::too_long);
}

TEST_CASE("line framer: stops when the consumer says so", "[unit]") {
  LineFramer f;
  int calls = 0;
  f.feed("a\nb\nc\n", [&](std::string_view) { return ++calls < 2; });
  CHECK(calls == 2);
}
