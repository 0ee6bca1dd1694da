// The deploy_locks table: the locks that hold a lane's deploys (POST
// /api/v1/lock), so that a lock outlives a restart of reship-back. Few rows
// and few writes, so each statement is prepared when used.

#include <sqlite3.h>

#include "back/store/deploy_store.hpp"

namespace reship::back {
namespace {

// Finalizes the statement whatever path leaves the scope.
struct Statement {
  sqlite3_stmt* stmt = nullptr;
  ~Statement() { sqlite3_finalize(stmt); }
};

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string text_at(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

constexpr const char* kLockColumns = "id, lane, holder, reason, since, until, released_at, released_by, broken";

DeployStore::LockRow read_lock(sqlite3_stmt* s) {
  DeployStore::LockRow row;
  row.id = sqlite3_column_int64(s, 0);
  row.lane = text_at(s, 1);
  row.holder = text_at(s, 2);
  row.reason = text_at(s, 3);
  row.since = sqlite3_column_int64(s, 4);
  row.until = sqlite3_column_int64(s, 5);
  if (sqlite3_column_type(s, 6) != SQLITE_NULL) row.released_at = sqlite3_column_int64(s, 6);
  row.released_by = text_at(s, 7);
  row.broken = sqlite3_column_int64(s, 8) != 0;
  return row;
}

}  // namespace

common::Result<void> DeployStore::put_lock(LockRow& row) {
  Statement st;
  const char* sql = "INSERT INTO deploy_locks (lane, holder, reason, since, until) VALUES (?1, ?2, ?3, ?4, ?5)";
  if (sqlite3_prepare_v2(db_, sql, -1, &st.stmt, nullptr) != SQLITE_OK) {
    return db_error("cannot prepare to record a deploy lock");
  }
  bind_text(st.stmt, 1, row.lane);
  bind_text(st.stmt, 2, row.holder);
  bind_text(st.stmt, 3, row.reason);
  sqlite3_bind_int64(st.stmt, 4, row.since);
  sqlite3_bind_int64(st.stmt, 5, row.until);
  if (sqlite3_step(st.stmt) != SQLITE_DONE) return db_error("cannot record the lock of lane " + row.lane);
  row.id = sqlite3_last_insert_rowid(db_);
  return {};
}

common::Result<void> DeployStore::release_lock(const LockRow& row) {
  Statement st;
  const char* sql = "UPDATE deploy_locks SET released_at=?2, released_by=?3, broken=?4 WHERE id=?1";
  if (sqlite3_prepare_v2(db_, sql, -1, &st.stmt, nullptr) != SQLITE_OK) {
    return db_error("cannot prepare to release a deploy lock");
  }
  sqlite3_bind_int64(st.stmt, 1, row.id);
  sqlite3_bind_int64(st.stmt, 2, row.released_at.value_or(0));
  bind_text(st.stmt, 3, row.released_by);
  sqlite3_bind_int(st.stmt, 4, row.broken ? 1 : 0);
  if (sqlite3_step(st.stmt) != SQLITE_DONE) return db_error("cannot release the lock of lane " + row.lane);
  return {};
}

std::vector<DeployStore::LockRow> DeployStore::held_locks() {
  std::vector<LockRow> rows;
  Statement st;
  const std::string sql =
      std::string("SELECT ") + kLockColumns + " FROM deploy_locks WHERE released_at IS NULL ORDER BY id";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st.stmt, nullptr) != SQLITE_OK) return rows;
  while (sqlite3_step(st.stmt) == SQLITE_ROW) rows.push_back(read_lock(st.stmt));
  return rows;
}

std::vector<DeployStore::LockRow> DeployStore::released_locks(int limit) {
  std::vector<LockRow> rows;
  Statement st;
  const std::string sql = std::string("SELECT ") + kLockColumns +
                          " FROM deploy_locks WHERE released_at IS NOT NULL ORDER BY id DESC LIMIT ?1";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st.stmt, nullptr) != SQLITE_OK) return rows;
  sqlite3_bind_int(st.stmt, 1, limit);
  while (sqlite3_step(st.stmt) == SQLITE_ROW) rows.push_back(read_lock(st.stmt));
  return rows;
}

}  // namespace reship::back
