#include "back/locks/deploy_locks.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/duration.hpp"
#include "common/text/escape.hpp"
#include "common/time.hpp"

namespace reship::back {

void write_lock(common::JsonWriter& w, const DeployLock& lock) {
  w.begin_object()
      .field("lane", lock.lane)
      .field("holder", lock.holder)
      .field("reason", lock.reason)
      .field("since", common::iso8601_utc(lock.since))
      .field("until", common::iso8601_utc(lock.until));
  if (lock.released_at) {
    w.field("releasedAt", common::iso8601_utc(*lock.released_at))
        .field("releasedBy", lock.released_by)
        .field("broken", lock.broken);
  }
  w.end_object();
}

std::string describe_lock(const DeployLock& lock) {
  std::string text = "lane \"" + lock.lane + "\" is locked by \"" + lock.holder + "\" since " +
                     common::iso8601_utc(lock.since) + " until " + common::iso8601_utc(lock.until);
  if (!lock.reason.empty()) text += ": " + lock.reason;
  return text;
}

DeployLocks::DeployLocks(uv_loop_t* loop, DeployStore& store) : store_(store), timer_(loop) {
  for (auto& row : store_.held_locks()) {
    // Two rows for one lane cannot be written by this class; should a copied
    // database hold them, the newest wins and the others are let go.
    if (auto it = held_.find(row.lane); it != held_.end()) {
      it->second.released_at = common::unix_ms();
      it->second.released_by = "ttl";
      (void)store_.release_lock(it->second);
    }
    held_[row.lane] = row;
  }
  // Expired while reship-back was down: released now, before any deploy is
  // taken. (Nothing is queued yet to be told.)
  expire();
}

const DeployLock* DeployLocks::held(const std::string& lane) const {
  auto it = held_.find(lane);
  return it == held_.end() ? nullptr : &it->second;
}

std::vector<DeployLock> DeployLocks::all() const {
  std::vector<DeployLock> out;
  for (const auto& [lane, lock] : held_) out.push_back(lock);
  return out;
}

common::Result<DeployLock> DeployLocks::take(const std::string& lane, const std::string& holder,
                                             const std::string& reason, common::Millis ttl) {
  if (auto it = held_.find(lane); it != held_.end()) {
    if (it->second.holder != holder) {
      return common::Error{describe_lock(it->second)};
    }
    // Renewed: the old row ends, released by its own holder.
    DeployLock old = it->second;
    old.released_at = common::unix_ms();
    old.released_by = holder;
    if (auto r = store_.release_lock(old); !r) return std::move(r).error();
    held_.erase(it);
  }
  DeployLock lock;
  lock.lane = lane;
  lock.holder = holder;
  lock.reason = reason;
  lock.since = common::unix_ms();
  lock.until = lock.since + ttl.count();
  if (auto r = store_.put_lock(lock); !r) return std::move(r).error();
  held_[lane] = lock;
  spdlog::info("lane {} locked by {} for {}: {}", lane, holder, common::format_duration(ttl),
               common::escape_controls(reason));
  arm();
  return lock;
}

common::Result<DeployLock> DeployLocks::release(const std::string& lane, const std::string& by, bool broken) {
  auto it = held_.find(lane);
  if (it == held_.end()) return common::Error{"lane \"" + lane + "\" is not locked"};
  DeployLock lock = it->second;
  lock.released_at = common::unix_ms();
  lock.released_by = by;
  lock.broken = broken;
  if (auto r = store_.release_lock(lock); !r) {
    // An expired lock ends all the same (the next start sees its TTL run
    // out too); a release asked for is refused, to be asked again.
    if (by != "ttl") return std::move(r).error();
    spdlog::error("{}", r.error().message);
  }
  held_.erase(it);
  if (by == "ttl") {
    spdlog::info("lane {}: the lock of {} expired", lane, lock.holder);
  } else if (broken) {
    spdlog::warn("lane {}: the lock of {} was broken by {}", lane, lock.holder, by);
  } else {
    spdlog::info("lane {} unlocked by {}", lane, by);
  }
  arm();
  if (on_released_) on_released_(lane);
  return lock;
}

void DeployLocks::arm() {
  timer_.stop();
  if (held_.empty()) return;
  int64_t first = held_.begin()->second.until;
  for (const auto& [lane, lock] : held_) first = std::min(first, lock.until);
  const int64_t wait = std::max<int64_t>(0, first - common::unix_ms());
  timer_.start(common::Millis(wait), [this] { expire(); });
}

void DeployLocks::expire() {
  const int64_t now = common::unix_ms();
  std::vector<std::string> ended;
  for (const auto& [lane, lock] : held_) {
    if (lock.until <= now) ended.push_back(lane);
  }
  for (const auto& lane : ended) (void)release(lane, "ttl", false);
  arm();
}

}  // namespace reship::back
