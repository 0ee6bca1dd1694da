#include <catch2/catch.hpp>

#include "common/duration.hpp"

using reship::common::format_duration;
using reship::common::Millis;
using reship::common::parse_duration;

TEST_CASE("duration: units ms, s, m, h", "[unit]") {
  CHECK(parse_duration("250ms").value() == Millis(250));
  CHECK(parse_duration("10s").value() == Millis(10'000));
  CHECK(parse_duration("30m").value() == Millis(1'800'000));
  CHECK(parse_duration("2h").value() == Millis(7'200'000));
  CHECK(parse_duration("0s").value() == Millis(0));
}

TEST_CASE("duration: fractions and compound values", "[unit]") {
  CHECK(parse_duration("1.5s").value() == Millis(1500));
  CHECK(parse_duration("1m30s").value() == Millis(90'000));
  CHECK(parse_duration("1h2m3s4ms").value() == Millis(3'723'004));
}

TEST_CASE("duration: a missing or unknown unit is an error that names the units", "[unit]") {
  auto bare = parse_duration("10");
  REQUIRE_FALSE(bare.ok());
  CHECK_THAT(bare.error().message, Catch::Contains("missing unit") && Catch::Contains("ms, s, m or h"));
  auto days = parse_duration("3d");
  REQUIRE_FALSE(days.ok());
  CHECK_THAT(days.error().message, Catch::Contains("unknown unit \"d\""));
}

TEST_CASE("duration: malformed text is an error", "[unit]") {
  for (const char* text : {"", "s", "-1s", "1..2s", ".s", "10 s", "1s2", "abc"}) {
    INFO(text);
    CHECK_FALSE(parse_duration(text).ok());
  }
}

TEST_CASE("duration: absurdly long durations are refused", "[unit]") {
  CHECK_FALSE(parse_duration("9999999h").ok());
  CHECK(parse_duration("8760h").ok());
}

TEST_CASE("duration: format picks the largest exact unit and round-trips", "[unit]") {
  CHECK(format_duration(Millis(250)) == "250ms");
  CHECK(format_duration(Millis(30'000)) == "30s");
  CHECK(format_duration(Millis(90'000)) == "90s");
  CHECK(format_duration(Millis(1'800'000)) == "30m");
  CHECK(format_duration(Millis(7'200'000)) == "2h");
  CHECK(format_duration(Millis(0)) == "0s");
  for (int64_t ms : {1, 999, 1000, 61'000, 3'600'000, 5'400'000}) {
    CHECK(parse_duration(format_duration(Millis(ms))).value() == Millis(ms));
  }
}

TEST_CASE("duration: numbers too large or too small for a double are errors, not crashes", "[unit]") {
  // Found by the config fuzzer: std::stod threw on these.
  CHECK_THAT(parse_duration("1" + std::string(309, '0') + "s").error().message, Catch::Contains("too long"));
  CHECK(parse_duration("0." + std::string(400, '0') + "1s").ok());
}
