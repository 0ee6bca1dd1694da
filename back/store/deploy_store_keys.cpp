// The idempotency_keys table: which deploy a request with an Idempotency-Key
// made, so that its retries (after a reset connection, or a restart of
// reship-back itself) join that deploy instead of starting another. Few
// rows and few writes (one per keyed request), so each statement is
// prepared when used.

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

}  // namespace

common::Result<void> DeployStore::put_key(const KeyRow& row) {
  Statement st;
  const char* sql =
      "INSERT OR REPLACE INTO idempotency_keys (caller, key, fingerprint, deploy_id, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5)";
  if (sqlite3_prepare_v2(db_, sql, -1, &st.stmt, nullptr) != SQLITE_OK) {
    return db_error("cannot prepare to record an Idempotency-Key");
  }
  bind_text(st.stmt, 1, row.caller);
  bind_text(st.stmt, 2, row.key);
  bind_text(st.stmt, 3, row.fingerprint);
  bind_text(st.stmt, 4, row.deploy_id);
  sqlite3_bind_int64(st.stmt, 5, row.created_at);
  if (sqlite3_step(st.stmt) != SQLITE_DONE) return db_error("cannot record the Idempotency-Key of " + row.deploy_id);
  return {};
}

std::vector<DeployStore::KeyRow> DeployStore::keys_since(int64_t since) {
  std::vector<KeyRow> rows;
  Statement st;
  const char* sql =
      "SELECT caller, key, fingerprint, deploy_id, created_at FROM idempotency_keys WHERE created_at >= ?1 "
      "ORDER BY created_at";
  if (sqlite3_prepare_v2(db_, sql, -1, &st.stmt, nullptr) != SQLITE_OK) return rows;
  sqlite3_bind_int64(st.stmt, 1, since);
  while (sqlite3_step(st.stmt) == SQLITE_ROW) {
    rows.push_back({text_at(st.stmt, 0), text_at(st.stmt, 1), text_at(st.stmt, 2), text_at(st.stmt, 3),
                    sqlite3_column_int64(st.stmt, 4)});
  }
  return rows;
}

common::Result<void> DeployStore::drop_keys_before(int64_t before) {
  Statement st;
  if (sqlite3_prepare_v2(db_, "DELETE FROM idempotency_keys WHERE created_at < ?1", -1, &st.stmt, nullptr) !=
      SQLITE_OK) {
    return db_error("cannot prepare to forget old Idempotency-Keys");
  }
  sqlite3_bind_int64(st.stmt, 1, before);
  if (sqlite3_step(st.stmt) != SQLITE_DONE) return db_error("cannot forget old Idempotency-Keys");
  return {};
}

}  // namespace reship::back
