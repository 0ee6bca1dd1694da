#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "back/engine/deploy_record.hpp"
#include "back/events/event_sources.hpp"
#include "common/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace reship::back {

/// Deploy records in SQLite (`<state_dir>/deploys.db`, WAL mode, prepared
/// statements). Every state change of a deploy is written here before it is
/// announced, so a record survives a crash of reship-back.
class DeployStore final : public SeqSource {
 public:
  /// Opens or creates the database. A database that is locked by another
  /// process or corrupt is an error saying so (the daemon exits 2 on it).
  static common::Result<std::unique_ptr<DeployStore>> open(const std::filesystem::path& path);
  ~DeployStore();
  DeployStore(const DeployStore&) = delete;
  DeployStore& operator=(const DeployStore&) = delete;

  /// Inserts a new record and sets its seq.
  common::Result<void> insert(DeployRecord& record);
  /// Writes every field of an existing record.
  common::Result<void> update(const DeployRecord& record);
  std::optional<DeployRecord> get(const std::string& id);

  struct ListQuery {
    std::optional<DeployStatus> status;
    std::optional<std::string> scope;
    int limit = 20;
    std::optional<int64_t> before;  // a seq: the cursor
    std::optional<std::string> lane;
    /// A prefix of source.commit (hex digits only: checked by the caller).
    std::optional<std::string> commit;
  };
  struct Page {
    std::vector<DeployRecord> deploys;
    std::optional<int64_t> next;  // cursor for the following page
  };
  /// Newest first.
  Page list(const ListQuery& query);

  /// Records left queued, building or restarting (by a crash).
  std::vector<DeployRecord> unfinished();
  /// Records whose self-restart is still pending.
  std::vector<DeployRecord> self_restart_pending();

  /// Reserves `count` event sequence numbers and returns the first; numbers
  /// are never handed out twice, across restarts.
  common::Result<uint64_t> reserve_event_seqs(uint64_t count) override;
  /// Hands back the end of a reservation that was not used: the seqs after
  /// `last_used` up to `last_reserved` (the reservation's last seq). A no-op
  /// when another reservation came since. A clean shutdown does it, so that
  /// the next instance numbers on without a hole a resuming client would
  /// take for lost events.
  common::Result<void> release_event_seqs(uint64_t last_reserved, uint64_t last_used) override;

  /// An Idempotency-Key and the deploy its first request made
  /// (deploy_store_keys.cpp).
  struct KeyRow {
    std::string caller;
    std::string key;
    std::string fingerprint;
    std::string deploy_id;
    int64_t created_at = 0;
  };
  /// Inserts or replaces the row of (caller, key).
  common::Result<void> put_key(const KeyRow& row);
  /// The rows made at or after `since` (unix ms), oldest first.
  std::vector<KeyRow> keys_since(int64_t since);
  /// Forgets the rows made before `before` (unix ms).
  common::Result<void> drop_keys_before(int64_t before);

  /// A deploy lock (deploy_store_locks.cpp): held while `released_at` is
  /// unset. Released rows stay, so that who broke or let go of a lock can be
  /// told afterwards.
  struct LockRow {
    int64_t id = 0;
    std::string lane;
    std::string holder;
    std::string reason;
    int64_t since = 0;  // unix ms
    int64_t until = 0;  // unix ms
    std::optional<int64_t> released_at;
    std::string released_by;  // a token name, or "ttl"
    bool broken = false;      // released by another than its holder
  };
  /// Inserts a held lock and sets its id.
  common::Result<void> put_lock(LockRow& row);
  /// Marks a held lock released.
  common::Result<void> release_lock(const LockRow& row);
  /// The locks still held, oldest first.
  std::vector<LockRow> held_locks();
  /// The `limit` locks released last, newest first.
  std::vector<LockRow> released_locks(int limit);

  const std::string& path() const { return path_; }

 private:
  DeployStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  common::Result<void> prepare_statements();
  common::Result<void> add_columns();
  std::vector<DeployRecord> query(sqlite3_stmt* stmt);
  common::Error db_error(const std::string& what) const;

  sqlite3* db_;
  std::string path_;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* update_ = nullptr;
  sqlite3_stmt* get_ = nullptr;
  sqlite3_stmt* unfinished_ = nullptr;
  sqlite3_stmt* pending_ = nullptr;
  sqlite3_stmt* list_[32] = {};
};

}  // namespace reship::back
