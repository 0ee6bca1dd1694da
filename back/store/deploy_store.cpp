#include "back/store/deploy_store.hpp"

#include <sqlite3.h>

#include <simdjson.h>

#include <algorithm>

#include "back/diagnostics/diagnostic.hpp"
#include "common/text/json_read.hpp"
#include "common/text/json_writer.hpp"

namespace reship::back {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS deploys (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  scope TEXT NOT NULL,
  mode TEXT NOT NULL,
  targets TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  session_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  queued_ms INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  exit_code INTEGER,
  signal TEXT,
  error_summary TEXT,
  restarts TEXT NOT NULL,
  self_restart TEXT,
  log_bytes INTEGER NOT NULL,
  joined INTEGER NOT NULL,
  superseded_by TEXT,
  build_pgid INTEGER NOT NULL,
  extra TEXT NOT NULL DEFAULT '{}',
  lane TEXT NOT NULL DEFAULT 'main'
);
CREATE INDEX IF NOT EXISTS deploys_by_status ON deploys(status, seq);
CREATE INDEX IF NOT EXISTS deploys_by_scope ON deploys(scope, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency_keys (
  caller TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  deploy_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (caller, key)
);
CREATE TABLE IF NOT EXISTS deploy_locks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lane TEXT NOT NULL,
  holder TEXT NOT NULL,
  reason TEXT NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER NOT NULL,
  released_at INTEGER,
  released_by TEXT,
  broken INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS deploy_locks_held ON deploy_locks(released_at, lane);
)sql";

// The columns in the order every statement below uses them (after seq).
constexpr const char* kColumns =
    "id, status, scope, mode, targets, requested_by, session_id, reason, created_at, started_at, finished_at, "
    "queued_ms, duration_ms, exit_code, signal, error_summary, restarts, self_restart, log_bytes, joined, "
    "superseded_by, build_pgid, extra, lane";

// Columns added since the first release, with what rows written before them
// read as. A database of an older reship-back gains them when opened.
constexpr std::pair<const char*, const char*> kAddedColumns[] = {
    {"extra", "TEXT NOT NULL DEFAULT '{}'"},
    {"lane", "TEXT NOT NULL DEFAULT 'main'"},
};

// The fields of the second wave that no query filters on, as one JSON
// object (so that adding one needs no new column).
std::string extra_json(const DeployRecord& r) {
  common::JsonWriter w;
  w.begin_object().key("diagnostics");
  diagnostics::write_diagnostics(w, r.diagnostics);
  if (r.reload) w.field("reload", true);
  if (!r.reload_needs_restart.empty()) w.field("reloadNeedsRestart", r.reload_needs_restart);
  if (r.source) {
    w.key("source");
    write_source(w, *r.source);
  }
  if (r.since_last_good) {
    w.key("sinceLastGood");
    write_since_last_good(w, *r.since_last_good);
  }
  w.end_object();
  return std::move(w).str();
}

void read_extra(const std::string& json, DeployRecord& r) {
  simdjson::dom::parser parser;
  auto doc = common::parse_json(parser, json);
  if (!doc) return;
  simdjson::dom::element diags;
  if (!(*doc)["diagnostics"].get(diags)) {
    if (auto parsed = diagnostics::parse_diagnostics_json(simdjson::minify(diags))) r.diagnostics = std::move(*parsed);
  }
  bool reload = false;
  if (!(*doc)["reload"].get(reload)) r.reload = reload;
  simdjson::dom::array notes;
  if (!(*doc)["reloadNeedsRestart"].get(notes)) {
    for (auto n : notes) {
      std::string_view text;
      if (!n.get(text)) r.reload_needs_restart.emplace_back(text);
    }
  }
  simdjson::dom::object source;
  if (!(*doc)["source"].get(source)) r.source = read_source(source);
  simdjson::dom::object since;
  if (!(*doc)["sinceLastGood"].get(since)) r.since_last_good = read_since_last_good(since);
}

std::string targets_json(const std::vector<std::string>& targets) {
  common::JsonWriter w;
  w.value(targets);
  return std::move(w).str();
}

std::string restarts_json(const std::vector<RestartEntry>& restarts) {
  common::JsonWriter w;
  w.begin_array();
  for (const auto& e : restarts) {
    w.begin_object()
        .field("service", e.service)
        .field("ok", e.ok)
        .field("pid", e.pid)
        .field("durationMs", e.duration_ms)
        .field("error", e.error)
        .field("killed", e.killed)
        .field("output", e.output)
        .field("mode", e.mode)
        .field("action", e.action)
        .end_object();
  }
  w.end_array();
  return std::move(w).str();
}

// Binds the record's fields to ?1..?23 in kColumns order.
void bind_record(sqlite3_stmt* s, const DeployRecord& r) {
  const auto text = [s](int i, const std::string& v) { sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); };
  const auto opt_text = [&](int i, const std::optional<std::string>& v) {
    if (v) text(i, *v); else sqlite3_bind_null(s, i);
  };
  const auto opt_int = [s](int i, const auto& v) {
    if (v) sqlite3_bind_int64(s, i, static_cast<int64_t>(*v)); else sqlite3_bind_null(s, i);
  };
  text(1, r.id);
  text(2, status_name(r.status));
  text(3, r.scope);
  text(4, mode_name(r.mode));
  text(5, targets_json(r.targets));
  text(6, r.requested_by);
  text(7, r.session_id);
  text(8, r.reason);
  sqlite3_bind_int64(s, 9, r.created_at);
  opt_int(10, r.started_at);
  opt_int(11, r.finished_at);
  sqlite3_bind_int64(s, 12, r.queued_ms);
  sqlite3_bind_int64(s, 13, r.duration_ms);
  opt_int(14, r.exit_code);
  opt_text(15, r.signal);
  opt_text(16, r.error_summary);
  text(17, restarts_json(r.restarts));
  opt_text(18, r.self_restart);
  sqlite3_bind_int64(s, 19, r.log_bytes);
  sqlite3_bind_int64(s, 20, r.joined);
  opt_text(21, r.superseded_by);
  sqlite3_bind_int64(s, 22, r.build_pgid);
  text(23, extra_json(r));
  text(24, r.lane);
}

std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, i)));
}

std::optional<std::string> column_opt_text(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return column_text(s, i);
}

std::optional<int64_t> column_opt_int(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(s, i);
}

// Reads a row of "seq, <kColumns>".
DeployRecord read_record(sqlite3_stmt* s, simdjson::dom::parser& parser) {
  DeployRecord r;
  r.seq = sqlite3_column_int64(s, 0);
  r.id = column_text(s, 1);
  r.status = parse_status(column_text(s, 2)).value_or(DeployStatus::failed);
  r.scope = column_text(s, 3);
  r.mode = parse_mode(column_text(s, 4)).value_or(DeployMode::deploy);
  if (auto targets = common::parse_json(parser, column_text(s, 5))) {
    simdjson::dom::array array;
    if (!targets->get_array().get(array)) {
      for (auto t : array) {
        std::string_view v;
        if (!t.get_string().get(v)) r.targets.emplace_back(v);
      }
    }
  }
  r.requested_by = column_text(s, 6);
  r.session_id = column_text(s, 7);
  r.reason = column_text(s, 8);
  r.created_at = sqlite3_column_int64(s, 9);
  r.started_at = column_opt_int(s, 10);
  r.finished_at = column_opt_int(s, 11);
  r.queued_ms = sqlite3_column_int64(s, 12);
  r.duration_ms = sqlite3_column_int64(s, 13);
  if (auto code = column_opt_int(s, 14)) r.exit_code = static_cast<int>(*code);
  r.signal = column_opt_text(s, 15);
  r.error_summary = column_opt_text(s, 16);
  if (auto restarts = common::parse_json(parser, column_text(s, 17))) {
    simdjson::dom::array array;
    if (!restarts->get_array().get(array)) {
      for (auto item : array) {
        simdjson::dom::object o;
        if (item.get_object().get(o)) continue;
        common::JsonFields f(o);
        RestartEntry e;
        e.service = std::string(f.string("service").value_or(""));
        e.ok = f.boolean("ok").value_or(false);
        if (auto pid = f.integer("pid")) e.pid = static_cast<int>(*pid);
        e.duration_ms = f.integer("durationMs").value_or(0);
        e.error = std::string(f.string("error").value_or(""));
        e.killed = f.boolean("killed").value_or(false);
        e.output = std::string(f.string("output").value_or(""));
        e.mode = std::string(f.string("mode").value_or(""));
        e.action = std::string(f.string("action").value_or(""));
        r.restarts.push_back(std::move(e));
      }
    }
  }
  r.self_restart = column_opt_text(s, 18);
  r.log_bytes = sqlite3_column_int64(s, 19);
  r.joined = static_cast<int>(sqlite3_column_int64(s, 20));
  r.superseded_by = column_opt_text(s, 21);
  r.build_pgid = static_cast<int>(sqlite3_column_int64(s, 22));
  read_extra(column_text(s, 23), r);
  r.lane = column_text(s, 24);
  return r;
}

// Runs a statement that returns no rows and resets it.
int step_done(sqlite3_stmt* s) {
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return rc;
}

}  // namespace

common::Error DeployStore::db_error(const std::string& what) const {
  return common::Error{what + " in " + path_ + ": " + sqlite3_errmsg(db_)};
}

common::Result<std::unique_ptr<DeployStore>> DeployStore::open(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  sqlite3* db = nullptr;
  const std::string p = path.string();
  if (sqlite3_open_v2(p.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string message = "cannot open the deploy database " + p + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return common::Error{message};
  }
  std::unique_ptr<DeployStore> store(new DeployStore(db, p));
  sqlite3_busy_timeout(db, 2000);
  // A corrupt or foreign file fails here, before anything is written to it.
  sqlite3_stmt* check = nullptr;
  std::string verdict;
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &check, nullptr) == SQLITE_OK && sqlite3_step(check) == SQLITE_ROW) {
    verdict = column_text(check, 0);
  } else {
    verdict = sqlite3_errmsg(db);
  }
  sqlite3_finalize(check);
  if (verdict != "ok") {
    if (sqlite3_errcode(db) == SQLITE_BUSY || sqlite3_errcode(db) == SQLITE_LOCKED) {
      return common::Error{"the deploy database " + p +
                           " is locked: is another reship-back running with this state_dir?"};
    }
    return common::Error{"the deploy database " + p + " is damaged (" + verdict +
                         "); move it aside to start with an empty history (logs are kept)"};
  }
  char* err = nullptr;
  // WAL: readers never wait for the writer; NORMAL: durable at checkpoints,
  // which is what WAL needs to survive a crash of this process; a 2 MiB page
  // cache keeps memory flat however many records accumulate.
  const std::string setup =
      std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-2048;") + kSchema;
  if (sqlite3_exec(db, setup.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "unknown error";
    sqlite3_free(err);
    if (message.find("locked") != std::string::npos) {
      return common::Error{"the deploy database " + p +
                           " is locked: is another reship-back running with this state_dir?"};
    }
    return common::Error{"cannot set up the deploy database " + p + ": " + message};
  }
  if (auto added = store->add_columns(); !added) return std::move(added).error();
  if (auto prepared = store->prepare_statements(); !prepared) return std::move(prepared).error();
  return store;
}

DeployStore::~DeployStore() {
  for (sqlite3_stmt* s : {insert_, update_, get_, unfinished_, pending_}) sqlite3_finalize(s);
  for (sqlite3_stmt* s : list_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

common::Result<void> DeployStore::add_columns() {
  std::vector<std::string> have;
  sqlite3_stmt* info = nullptr;
  if (sqlite3_prepare_v2(db_, "PRAGMA table_info(deploys)", -1, &info, nullptr) != SQLITE_OK) {
    return db_error("cannot read the columns of the deploys table");
  }
  while (sqlite3_step(info) == SQLITE_ROW) have.push_back(column_text(info, 1));
  sqlite3_finalize(info);
  for (const auto& [name, type] : kAddedColumns) {
    if (std::find(have.begin(), have.end(), name) != have.end()) continue;
    const std::string sql = std::string("ALTER TABLE deploys ADD COLUMN ") + name + " " + type;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return db_error(std::string("cannot add the column ") + name + " to an older deploys table");
    }
  }
  return {};
}

common::Result<void> DeployStore::prepare_statements() {
  const std::string cols = kColumns;
  const std::string insert = "INSERT INTO deploys (" + cols +
                             ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24)";
  const std::string update =
      "UPDATE deploys SET status=?2, scope=?3, mode=?4, targets=?5, requested_by=?6, session_id=?7, reason=?8, "
      "created_at=?9, started_at=?10, finished_at=?11, queued_ms=?12, duration_ms=?13, exit_code=?14, signal=?15, "
      "error_summary=?16, restarts=?17, self_restart=?18, log_bytes=?19, joined=?20, superseded_by=?21, "
      "build_pgid=?22, extra=?23, lane=?24 WHERE id=?1";
  const std::string select = "SELECT seq, " + cols + " FROM deploys ";
  const std::pair<sqlite3_stmt**, std::string> statements[] = {
      {&insert_, insert},
      {&update_, update},
      {&get_, select + "WHERE id=?1"},
      {&unfinished_, select + "WHERE status IN ('queued','building','restarting') ORDER BY seq"},
      {&pending_, select + "WHERE self_restart='pending' ORDER BY seq"},
  };
  for (const auto& [stmt, sql] : statements) {
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr) != SQLITE_OK) {
      return db_error("cannot prepare a statement");
    }
  }
  return {};
}

common::Result<void> DeployStore::insert(DeployRecord& record) {
  bind_record(insert_, record);
  if (step_done(insert_) != SQLITE_DONE) return db_error("cannot record deploy " + record.id);
  record.seq = sqlite3_last_insert_rowid(db_);
  return {};
}

common::Result<void> DeployStore::update(const DeployRecord& record) {
  bind_record(update_, record);
  if (step_done(update_) != SQLITE_DONE) return db_error("cannot update deploy " + record.id);
  return {};
}

std::vector<DeployRecord> DeployStore::query(sqlite3_stmt* stmt) {
  std::vector<DeployRecord> out;
  simdjson::dom::parser parser;
  while (sqlite3_step(stmt) == SQLITE_ROW) out.push_back(read_record(stmt, parser));
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  return out;
}

std::optional<DeployRecord> DeployStore::get(const std::string& id) {
  sqlite3_bind_text(get_, 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
  auto rows = query(get_);
  if (rows.empty()) return std::nullopt;
  return std::move(rows[0]);
}

DeployStore::Page DeployStore::list(const ListQuery& q) {
  // One prepared statement per combination of filters, made on first use.
  const int variant =
      (q.status ? 1 : 0) | (q.scope ? 2 : 0) | (q.before ? 4 : 0) | (q.lane ? 8 : 0) | (q.commit ? 16 : 0);
  sqlite3_stmt*& stmt = list_[variant];
  Page page;
  if (stmt == nullptr) {
    std::string sql = "SELECT seq, " + std::string(kColumns) + " FROM deploys WHERE 1";
    if (q.status) sql += " AND status=?1";
    if (q.scope) sql += " AND scope=?2";
    if (q.before) sql += " AND seq<?3";
    if (q.lane) sql += " AND lane=?5";
    if (q.commit) sql += " AND substr(json_extract(extra, '$.source.commit'), 1, length(?6)) = ?6";
    sql += " ORDER BY seq DESC LIMIT ?4";
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) return page;
  }
  if (q.status) sqlite3_bind_text(stmt, 1, status_name(*q.status), -1, SQLITE_STATIC);
  if (q.scope) sqlite3_bind_text(stmt, 2, q.scope->data(), static_cast<int>(q.scope->size()), SQLITE_TRANSIENT);
  if (q.before) sqlite3_bind_int64(stmt, 3, *q.before);
  if (q.lane) sqlite3_bind_text(stmt, 5, q.lane->data(), static_cast<int>(q.lane->size()), SQLITE_TRANSIENT);
  if (q.commit) sqlite3_bind_text(stmt, 6, q.commit->data(), static_cast<int>(q.commit->size()), SQLITE_TRANSIENT);
  // One more than asked tells whether there is a next page.
  sqlite3_bind_int64(stmt, 4, q.limit + 1);
  page.deploys = query(stmt);
  if (page.deploys.size() > static_cast<size_t>(q.limit)) {
    page.deploys.resize(static_cast<size_t>(q.limit));
    page.next = page.deploys.back().seq;
  }
  return page;
}

std::vector<DeployRecord> DeployStore::unfinished() { return query(unfinished_); }

std::vector<DeployRecord> DeployStore::self_restart_pending() { return query(pending_); }

common::Result<uint64_t> DeployStore::reserve_event_seqs(uint64_t count) {
  char* err = nullptr;
  const std::string sql = "INSERT INTO meta(key, value) VALUES('event_seq', " + std::to_string(count) +
                          ") ON CONFLICT(key) DO UPDATE SET value = value + " + std::to_string(count) + ";";
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "";
    sqlite3_free(err);
    return common::Error{"cannot reserve event numbers in " + path_ + ": " + message};
  }
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE key='event_seq'", -1, &stmt, nullptr);
  uint64_t end = 0;
  if (sqlite3_step(stmt) == SQLITE_ROW) end = static_cast<uint64_t>(sqlite3_column_int64(stmt, 0));
  sqlite3_finalize(stmt);
  return end - count + 1;
}

common::Result<void> DeployStore::release_event_seqs(uint64_t last_reserved, uint64_t last_used) {
  if (last_used >= last_reserved) return {};
  char* err = nullptr;
  const std::string sql = "UPDATE meta SET value = " + std::to_string(last_used) +
                          " WHERE key = 'event_seq' AND value = " + std::to_string(last_reserved) + ";";
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "";
    sqlite3_free(err);
    return common::Error{"cannot hand back unused event numbers in " + path_ + ": " + message};
  }
  return {};
}

}  // namespace reship::back
