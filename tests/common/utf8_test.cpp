#include <catch2/catch.hpp>

#include "common/text/utf8.hpp"

using namespace reship::common;

namespace {
const std::string kFFFD = "\xEF\xBF\xBD";
}

TEST_CASE("utf8: well-formed text is valid and left alone", "[unit]") {
  const std::string text = "plain ascii, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x9A\x80";
  CHECK(is_valid_utf8(text));
  CHECK(sanitize_utf8(text) == text);
  CHECK(is_valid_utf8(""));
}

TEST_CASE("utf8: ill-formed sequences are detected", "[unit]") {
  for (std::string bad : {std::string("\x80"), std::string("\xC0\xAF"), std::string("\xE0\x80\xAF"),
                          std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80"), std::string("\xFF"),
                          std::string("abc\xE2\x82"), std::string("\xC3")}) {
    INFO(bad.size());
    CHECK_FALSE(is_valid_utf8(bad));
    CHECK(is_valid_utf8(sanitize_utf8(bad)));
  }
}

TEST_CASE("utf8: one U+FFFD per maximal ill-formed subpart", "[unit]") {
  // A truncated 3-byte sequence is one subpart; a stray continuation is another.
  CHECK(sanitize_utf8("a\xE2\x82z") == "a" + kFFFD + "z");
  CHECK(sanitize_utf8("a\x80\x80z") == "a" + kFFFD + kFFFD + "z");
  // E0 80 is never the start of a valid sequence: E0 and 80 are replaced apart.
  CHECK(sanitize_utf8("\xE0\x80") == kFFFD + kFFFD);
  // Surrogates (ED A0..BF) are ill-formed.
  CHECK(sanitize_utf8("\xED\xA0\x80") == kFFFD + kFFFD + kFFFD);
  CHECK(sanitize_utf8("ok\xFF") == "ok" + kFFFD);
}

TEST_CASE("utf8: a safe cut never splits a character", "[unit]") {
  const std::string text = "ab\xE2\x82\xAC";  // "ab€"
  CHECK(utf8_safe_cut(text, 2) == 2);
  CHECK(utf8_safe_cut(text, 3) == 2);
  CHECK(utf8_safe_cut(text, 4) == 2);
  CHECK(utf8_safe_cut(text, 5) == 5);
  CHECK(utf8_safe_cut(text, 99) == 5);
}
