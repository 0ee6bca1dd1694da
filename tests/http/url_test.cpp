#include "back/http/url.hpp"

#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace reship::http;

namespace {

std::optional<std::string> decode(std::string_view in, bool plus_is_space = false) {
  std::string out;
  if (!percent_decode(in, out, plus_is_space)) return std::nullopt;
  return out;
}

}  // namespace

TEST_CASE("url: percent-decoding turns escapes into bytes", "[unit]") {
  CHECK(decode("/a%20b/%C3%A9") == std::optional<std::string>("/a b/\xC3\xA9"));
  CHECK(decode("plain") == std::optional<std::string>("plain"));
  CHECK(decode("a+b") == std::optional<std::string>("a+b"));
  CHECK(decode("a+b", true) == std::optional<std::string>("a b"));
  CHECK(decode("%2f%2F") == std::optional<std::string>("//"));
  CHECK(decode("") == std::optional<std::string>(""));
}

TEST_CASE("url: malformed escapes and NUL are refused", "[unit]") {
  CHECK_FALSE(decode("%"));
  CHECK_FALSE(decode("%4"));
  CHECK_FALSE(decode("abc%zz"));
  CHECK_FALSE(decode("%00"));
  CHECK_FALSE(decode("x%4g"));
}

TEST_CASE("url: targets split into path and query", "[unit]") {
  TargetParts parts;
  REQUIRE(split_target("/api/v1/deploys?limit=5&status=ok", parts));
  CHECK(parts.path == "/api/v1/deploys");
  CHECK(parts.query == "limit=5&status=ok");

  REQUIRE(split_target("/x#frag", parts));
  CHECK(parts.path == "/x");
  CHECK(parts.query.empty());

  REQUIRE(split_target("http://example.com:8080/a/b?q=1", parts));
  CHECK(parts.path == "/a/b");
  CHECK(parts.query == "q=1");

  REQUIRE(split_target("http://example.com", parts));
  CHECK(parts.path == "/");

  REQUIRE(split_target("*", parts));
  CHECK(parts.path == "/");

  CHECK_FALSE(split_target("example.com:443", parts));
  CHECK_FALSE(split_target("", parts));
}

TEST_CASE("url: query pairs are visited in order, empty ones skipped", "[unit]") {
  std::vector<std::pair<std::string, std::string>> seen;
  for_each_query_pair("a=1&&b=&c&d=x=y", [&](std::string_view name, std::string_view value) {
    seen.emplace_back(std::string(name), std::string(value));
  });
  REQUIRE(seen.size() == 4);
  CHECK(seen[0] == std::make_pair(std::string("a"), std::string("1")));
  CHECK(seen[1] == std::make_pair(std::string("b"), std::string("")));
  CHECK(seen[2] == std::make_pair(std::string("c"), std::string("")));
  CHECK(seen[3] == std::make_pair(std::string("d"), std::string("x=y")));
}
