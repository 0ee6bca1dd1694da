#pragma once

// A deploy as users see it (contract 3.1): the record stored in SQLite,
// returned by the API and carried by the final answer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "back/diagnostics/diagnostic.hpp"
#include "back/source_info.hpp"
#include "ipc/messages.hpp"

namespace reship::back {

enum class DeployStatus { queued, building, restarting, succeeded, failed, cancelled, interrupted };
enum class DeployMode { deploy, build, restart };

const char* status_name(DeployStatus status);
std::optional<DeployStatus> parse_status(std::string_view text);
const char* mode_name(DeployMode mode);
std::optional<DeployMode> parse_mode(std::string_view text);
/// True for succeeded, failed, cancelled and interrupted.
bool is_final(DeployStatus status);
/// deploy includes build and restart; each mode includes itself.
bool mode_includes(DeployMode outer, DeployMode inner);

/// The HTTP status of a final record (contract 3.1): 200, 500 or 409.
int http_status_of(DeployStatus status);

struct RestartEntry {
  std::string service;
  bool ok = false;
  std::optional<int> pid;
  int64_t duration_ms = 0;
  std::string error;  // when !ok
  bool killed = false;
  /// When !ok: the service's last output, as the supervisor sent it.
  std::string output;
  /// "stop-first" or "overlap" (the service's restart_mode); "" when unknown.
  std::string mode;
  /// What a deploy's reload ("reload": true) did: "started", "stopped" or
  /// "restarted"; "" for the restarts of the deploy's scope.
  std::string action;
};

/// The entry a reload's result becomes.
RestartEntry restart_entry(const ipc::ReloadResult& result);

/// The entry a restart.done of the supervisor becomes.
RestartEntry restart_entry(const ipc::RestartDone& done);

struct DeployRecord {
  int64_t seq = 0;  // SQLite rowid: the list order and its cursor
  std::string id;
  DeployStatus status = DeployStatus::queued;
  std::string scope;
  DeployMode mode = DeployMode::deploy;
  std::vector<std::string> targets;
  std::string requested_by;
  std::string session_id;
  std::string reason;
  int64_t created_at = 0;  // unix ms
  std::optional<int64_t> started_at;
  std::optional<int64_t> finished_at;
  int64_t queued_ms = 0;
  int64_t duration_ms = 0;
  std::optional<int> exit_code;
  std::optional<std::string> signal;
  std::optional<std::string> error_summary;
  /// What the failed step's output said, the first cause first (up to 20).
  std::vector<diagnostics::Diagnostic> diagnostics;
  std::vector<RestartEntry> restarts;
  std::optional<std::string> self_restart;  // "pending", then "done"
  int64_t log_bytes = 0;
  std::optional<int> queue_position;  // 0 running, 1 queued; absent once final
  int joined = 0;                     // requests that coalesced into this deploy
  std::optional<std::string> superseded_by;
  int build_pgid = 0;  // internal: to stop a build left behind by a crash
  /// What the work tree held when the build began, when `[back] workdir`
  /// is a git work tree (source_probe.hpp).
  std::optional<SourceInfo> source;
  /// The files changed since the scope's last succeeded deploy.
  std::optional<SinceLastGood> since_last_good;
  /// The lane the deploy queued in ([lanes]; "main" without).
  std::string lane = "main";
  /// While queued at the head of its lane: what it waits for ("build slot",
  /// an exclusive deploy). Not stored: it holds for the moment only.
  std::optional<std::string> waiting_for;
  /// "reload": true: the config is read again after the build, before the
  /// restarts.
  bool reload = false;
  /// What that reload found to need a restart of a daemon (not applied).
  std::vector<std::string> reload_needs_restart;
};

/// Options of record_json().
struct RecordView {
  bool coalesced = false;               // for the caller that joined
  const std::string* log_tail = nullptr;  // adds "logTail"
  /// Adds "warnings": what this caller's request asked for that could not
  /// be done.
  const std::vector<std::string>* warnings = nullptr;
  /// "durable": false while the database has refused the record's newest
  /// copy (a full disk) and it lives only in memory.
  bool durable = true;
};

/// The record as the API's JSON object.
std::string record_json(const DeployRecord& record, const RecordView& view = {});

/// Deploy ids look like "d-20261122-120301-7f3a9c": sortable by time, safe in
/// paths and URLs.
std::string new_deploy_id(int64_t unix_ms);
/// True for ids of that shape (never a path, never ".." or "/").
bool is_valid_deploy_id(std::string_view id);

}  // namespace reship::back
