#pragma once

// What the event bus needs from elsewhere, as interfaces: the bus knows
// neither SQLite nor the logs folder.

#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace reship::back {

/// Where the bus takes its event seqs from: numbers that are never handed
/// out twice, across restarts (DeployStore keeps them in the database).
class SeqSource {
 public:
  virtual ~SeqSource() = default;
  /// Reserves `count` seqs and returns the first.
  virtual common::Result<uint64_t> reserve_event_seqs(uint64_t count) = 0;
  /// Hands back the seqs after `last_used` up to `last_reserved`, the end of
  /// the latest reservation (a no-op when another came since).
  virtual common::Result<void> release_event_seqs(uint64_t last_reserved, uint64_t last_used) = 0;
};

/// Where the bus reads log lines back from: the bus keeps runs of lines as
/// their place in a deploy's log (LogStore), not as text.
class LogSource {
 public:
  virtual ~LogSource() = default;
  /// `bytes` of the log of `deploy_id` from `offset` ("" when unreadable).
  virtual std::string read_run(const std::string& deploy_id, int64_t offset, uint64_t bytes) const = 0;
};

}  // namespace reship::back
