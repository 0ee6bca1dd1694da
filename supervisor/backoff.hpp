#pragma once

#include "common/duration.hpp"

namespace reship::supervisor {

/// How long to wait before starting a service again after it exited.
///
/// - A process that ran at least 1 s is started again at once (as runit and
///   s6 do): crash to respawn costs no waiting.
/// - A process that died within 1 s of its start waits 100 ms before the next
///   start, doubling with each consecutive quick death up to 30 s, so a
///   crash loop never spins a core.
/// - Once a process stays up 10 s, the doubling starts over.
class Backoff {
 public:
  static constexpr common::Millis kQuickRun{1000};
  static constexpr common::Millis kStableRun{10'000};
  static constexpr common::Millis kFirstDelay{100};
  static constexpr common::Millis kMaxDelay{30'000};

  /// Records an exit after a run of `run` and returns the delay before the
  /// next start.
  common::Millis after_exit(common::Millis run);
  /// Records a start that failed outright (exec error, readiness timeout).
  common::Millis after_failed_start();
  /// Forgets past failures (an explicit start or restart by a user).
  void reset() { quick_failures_ = 0; }
  int quick_failures() const { return quick_failures_; }
  bool operator==(const Backoff&) const = default;

 private:
  common::Millis next_delay();

  int quick_failures_ = 0;
};

}  // namespace reship::supervisor
