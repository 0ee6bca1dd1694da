#pragma once

#include <cstdint>
#include <string>

namespace reship::common {

/// Milliseconds on the monotonic clock: for durations and deadlines, immune to
/// wall-clock jumps.
int64_t monotonic_ms() noexcept;

/// Milliseconds since the Unix epoch on the wall clock: for timestamps users read.
int64_t unix_ms() noexcept;

/// "2026-11-22T10:04:05.123Z" (UTC, millisecond precision).
std::string iso8601_utc(int64_t unix_millis);
inline std::string now_iso8601() { return iso8601_utc(unix_ms()); }

}  // namespace reship::common
