#include <catch2/catch.hpp>

#include <simdjson.h>

#include "common/text/json_read.hpp"
#include "common/text/json_writer.hpp"
#include "common/text/utf8.hpp"

using namespace reship::common;

namespace {

std::string as_json(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

// Parses `json` with simdjson; fails the test when it is not valid JSON.
simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& json) {
  auto element = parse_json(parser, json);
  INFO(json);
  REQUIRE(element.ok());
  return *element;
}

}  // namespace

TEST_CASE("json writer: objects and arrays get commas and colons", "[unit]") {
  JsonWriter w;
  w.begin_object()
      .field("ok", true)
      .field("pid", 42)
      .field("name", "web")
      .key("list")
      .begin_array()
      .value(1)
      .value("two")
      .null()
      .begin_object()
      .end_object()
      .end_array()
      .field("none", std::optional<int>())
      .field("some", std::optional<int>(7))
      .end_object();
  CHECK(w.str() == R"({"ok":true,"pid":42,"name":"web","list":[1,"two",null,{}],"none":null,"some":7})");
}

TEST_CASE("json writer: quotes, backslashes and control characters are escaped", "[unit]") {
  CHECK(as_json("a\"b\\c") == R"("a\"b\\c")");
  CHECK(as_json("\n\r\t\b\f") == R"("\n\r\t\b\f")");
  CHECK(as_json(std::string("\x01\x1f\x00", 3)) == R"("\u0001\u001f\u0000")");
  CHECK(as_json("\x7f") == "\"\x7f\"");  // DEL is allowed unescaped by RFC 8259
  CHECK(as_json("</script>") == R"("</script>")");
}

TEST_CASE("json writer: invalid UTF-8 becomes U+FFFD, valid UTF-8 stays", "[unit]") {
  CHECK(as_json("caf\xC3\xA9") == "\"caf\xC3\xA9\"");
  CHECK(as_json("bad\xFF!") == "\"bad\xEF\xBF\xBD!\"");
  CHECK(as_json("\xE2\x82") == "\"\xEF\xBF\xBD\"");
}

TEST_CASE("json writer: any bytes round-trip through simdjson as valid JSON", "[unit]") {
  simdjson::dom::parser parser;
  // Every byte value, in several orders, including NUL and lone continuation bytes.
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string reversed(all.rbegin(), all.rend());
  for (const std::string& text : {all, reversed, std::string("line\r\nnext\x1b[31mred\x1b[0m")}) {
    JsonWriter w;
    w.begin_object().field("line", text).end_object();
    auto element = parse(parser, w.str());
    std::string_view back;
    REQUIRE_FALSE(element["line"].get_string().get(back));
    // What comes back is the input with ill-formed bytes replaced.
    CHECK(back == sanitize_utf8(text));
  }
}

TEST_CASE("json writer: numbers, including non-finite doubles", "[unit]") {
  JsonWriter w;
  w.begin_array()
      .value(int64_t{-5})
      .value(uint64_t{18446744073709551615ULL})
      .value(0.5)
      .value(std::numeric_limits<double>::infinity())
      .end_array();
  CHECK(w.str() == "[-5,18446744073709551615,0.5,null]");
  simdjson::dom::parser parser;
  parse(parser, w.str());
}

TEST_CASE("json fields: typed access reports the first problem", "[unit]") {
  simdjson::dom::parser parser;
  auto element = parse(parser, R"({"scope":"platform","n":3,"flag":true,"list":["a","b"],"bad":5})");
  JsonFields f(element.get_object().value());
  CHECK(f.string("scope") == std::optional<std::string_view>("platform"));
  CHECK(f.integer("n") == std::optional<int64_t>(3));
  CHECK(f.boolean("flag") == std::optional<bool>(true));
  CHECK(f.strings("list")->size() == 2);
  CHECK_FALSE(f.string("missing").has_value());
  CHECK_FALSE(f.error().has_value());
  CHECK_FALSE(f.string("bad").has_value());
  REQUIRE(f.error().has_value());
  CHECK(*f.error() == "\"bad\" must be a string");
}

TEST_CASE("json fields: unknown members are named", "[unit]") {
  simdjson::dom::parser parser;
  auto element = parse(parser, R"({"scope":"x","scopee":"y"})");
  JsonFields f(element.get_object().value());
  f.reject_unknown({"scope"});
  REQUIRE(f.error().has_value());
  CHECK(*f.error() == "unknown field \"scopee\"");
}
