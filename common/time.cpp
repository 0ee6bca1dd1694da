#include "common/time.hpp"

#include <cstdio>
#include <ctime>

namespace reship::common {

int64_t monotonic_ms() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

int64_t unix_ms() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

std::string iso8601_utc(int64_t unix_millis) {
  int64_t secs = unix_millis / 1000;
  int64_t millis = unix_millis % 1000;
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  const time_t t = static_cast<time_t>(secs);
  tm parts{};
  gmtime_r(&t, &parts);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &parts);
  std::string out(buf, n);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(millis));
  out += frac;
  return out;
}

}  // namespace reship::common
