#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace reship::common {

using Millis = std::chrono::milliseconds;

/// Parses a duration with units, as the config writes them: "250ms", "10s",
/// "1.5s", "30m", "2h", or several parts joined ("1m30s"). A bare number is an
/// error: a missing unit is a typo, not a default.
Result<Millis> parse_duration(std::string_view text);

/// Formats a duration the way parse_duration reads it, in the largest unit that
/// keeps it exact: 30000ms -> "30s", 90000ms -> "90s", 1800000ms -> "30m".
std::string format_duration(Millis d);

}  // namespace reship::common
