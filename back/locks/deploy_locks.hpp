#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "back/store/deploy_store.hpp"
#include "common/duration.hpp"
#include "common/os/uv_handles.hpp"
#include "common/result.hpp"
#include "common/text/json_writer.hpp"

namespace reship::back {

/// A lane's deploy lock as users see it (POST /api/v1/lock).
using DeployLock = DeployStore::LockRow;

/// Writes a lock as the API shows it: {lane, holder, reason, since, until,
/// and once released releasedAt, releasedBy, broken}.
void write_lock(common::JsonWriter& w, const DeployLock& lock);
/// "lane \"main\" is locked by \"alice\" since … until …: reason".
std::string describe_lock(const DeployLock& lock);

/// The deploy locks, one at most per lane: while a lane is locked, new
/// deploys of it are refused and the deploys already queued in it wait.
/// A lock is kept in SQLite (it survives a restart) and ends when released
/// or when its TTL runs out, on a libuv timer set for the earliest expiry.
class DeployLocks {
 public:
  /// Loads the locks the database holds; those whose TTL ran out while
  /// reship-back was down are released at once (as expired).
  DeployLocks(uv_loop_t* loop, DeployStore& store);
  DeployLocks(const DeployLocks&) = delete;
  DeployLocks& operator=(const DeployLocks&) = delete;

  /// The lock that holds `lane`, if any.
  const DeployLock* held(const std::string& lane) const;
  /// Every lock held, by lane.
  std::vector<DeployLock> all() const;
  /// The locks released last, newest first.
  std::vector<DeployLock> recent(int limit = 10) { return store_.released_locks(limit); }

  /// Locks `lane` for `holder` until now + `ttl`. A lock the same holder
  /// already has is renewed (a new reason, a new end); one of another holder
  /// is not touched: the caller refuses (held() says by whom).
  common::Result<DeployLock> take(const std::string& lane, const std::string& holder, const std::string& reason,
                                  common::Millis ttl);
  /// Releases the lock of `lane`, by `by` ("ttl" when it expired); `broken`
  /// when `by` is not its holder. Returns the released lock.
  common::Result<DeployLock> release(const std::string& lane, const std::string& by, bool broken);

  /// Runs after a lane's lock ends (released or expired), to let its queued
  /// deploys run.
  void on_released(std::function<void(const std::string& lane)> fn) { on_released_ = std::move(fn); }

 private:
  void arm();
  void expire();

  DeployStore& store_;
  std::map<std::string, DeployLock> held_;
  common::uv::Timer timer_;
  std::function<void(const std::string&)> on_released_;
};

}  // namespace reship::back
