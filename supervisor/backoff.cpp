#include "supervisor/backoff.hpp"

#include <algorithm>

namespace reship::supervisor {

common::Millis Backoff::after_exit(common::Millis run) {
  if (run >= kStableRun) quick_failures_ = 0;
  if (run >= kQuickRun) return common::Millis(0);
  return next_delay();
}

common::Millis Backoff::after_failed_start() { return next_delay(); }

common::Millis Backoff::next_delay() {
  ++quick_failures_;
  // 100 ms << (n - 1), computed without overflow: the cap is reached at n = 10.
  const int shift = std::min(quick_failures_ - 1, 20);
  const auto delay = common::Millis(kFirstDelay.count() << shift);
  return std::min(delay, kMaxDelay);
}

}  // namespace reship::supervisor
