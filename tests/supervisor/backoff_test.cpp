#include <catch2/catch.hpp>

#include "supervisor/backoff.hpp"

using reship::common::Millis;
using reship::supervisor::Backoff;

TEST_CASE("backoff: a process that ran a while restarts at once", "[unit]") {
  Backoff b;
  CHECK(b.after_exit(Millis(1500)) == Millis(0));
  CHECK(b.after_exit(Millis(60'000)) == Millis(0));
  CHECK(b.quick_failures() == 0);
}

TEST_CASE("backoff: quick deaths wait 100 ms, doubling, capped at 30 s", "[unit]") {
  Backoff b;
  std::vector<int64_t> delays;
  for (int i = 0; i < 12; ++i) delays.push_back(b.after_exit(Millis(5)).count());
  CHECK(delays == std::vector<int64_t>{100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000});
  // Many more never overflow.
  for (int i = 0; i < 100; ++i) CHECK(b.after_exit(Millis(0)) == Millis(30'000));
}

TEST_CASE("backoff: a stable run resets the doubling, a medium one keeps it", "[unit]") {
  Backoff b;
  b.after_exit(Millis(10));
  b.after_exit(Millis(10));
  CHECK(b.quick_failures() == 2);
  CHECK(b.after_exit(Millis(3000)) == Millis(0));  // ran 3 s: no wait, but not yet stable
  CHECK(b.after_exit(Millis(10)) == Millis(400));
  CHECK(b.after_exit(Millis(10'000)) == Millis(0));  // stable
  CHECK(b.after_exit(Millis(10)) == Millis(100));
}

TEST_CASE("backoff: failed starts count as quick deaths and reset() forgets them", "[unit]") {
  Backoff b;
  CHECK(b.after_failed_start() == Millis(100));
  CHECK(b.after_failed_start() == Millis(200));
  b.reset();
  CHECK(b.after_failed_start() == Millis(100));
}
