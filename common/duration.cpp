#include "common/duration.hpp"

#include <charconv>
#include <cmath>
#include <system_error>
#include <cstdint>
#include <limits>

namespace reship::common {
namespace {

constexpr const char* kHint = "write a number with a unit: ms, s, m or h (e.g. \"10s\", \"1m30s\")";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<Millis> parse_duration(std::string_view text) {
  if (text.empty()) return Error{std::string("empty duration: ") + kHint};
  const std::string quoted = "\"" + std::string(text) + "\"";
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t number_start = i;
    while (i < text.size() && (is_digit(text[i]) || text[i] == '.')) ++i;
    if (i == number_start) return Error{"bad duration " + quoted + ": " + kHint};
    const std::string number(text.substr(number_start, i - number_start));
    if (number.find('.') != number.rfind('.') || number == ".") {
      return Error{"bad duration " + quoted + ": \"" + number + "\" is not a number"};
    }
    const size_t unit_start = i;
    while (i < text.size() && !is_digit(text[i]) && text[i] != '.') ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else if (unit.empty()) {
      return Error{"bad duration " + quoted + ": missing unit; " + kHint};
    } else {
      return Error{"bad duration " + quoted + ": unknown unit \"" + std::string(unit) + "\"; " + kHint};
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec == std::errc::result_out_of_range) {
      // Out of a double's range: too large, or so small it is zero.
      const bool below_one = number.find_first_not_of("0") == number.find('.');
      if (!below_one) return Error{"duration " + quoted + " is too long (at most 366 days)"};
      value = 0;
    } else if (ec != std::errc() || end != number.data() + number.size()) {
      return Error{"bad duration " + quoted + ": \"" + number + "\" is not a number"};
    }
    total_ms += value * scale;
  }
  // A year is far beyond any timeout this project has; refusing more keeps
  // every later addition to a deadline free of overflow.
  constexpr double kMaxMs = 366.0 * 24 * 3'600'000;
  if (total_ms > kMaxMs) return Error{"duration " + quoted + " is too long (at most 366 days)"};
  return Millis(static_cast<int64_t>(std::llround(total_ms)));
}

std::string format_duration(Millis d) {
  const int64_t ms = d.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0 && ms < 3'600'000) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace reship::common
