#include "back/engine/deploy_record.hpp"

#include <ctime>
#include <random>

#include "common/text/json_writer.hpp"
#include "common/time.hpp"

namespace reship::back {

const char* status_name(DeployStatus status) {
  switch (status) {
    case DeployStatus::queued: return "queued";
    case DeployStatus::building: return "building";
    case DeployStatus::restarting: return "restarting";
    case DeployStatus::succeeded: return "succeeded";
    case DeployStatus::failed: return "failed";
    case DeployStatus::cancelled: return "cancelled";
    case DeployStatus::interrupted: return "interrupted";
  }
  return "?";
}

std::optional<DeployStatus> parse_status(std::string_view text) {
  for (auto s : {DeployStatus::queued, DeployStatus::building, DeployStatus::restarting, DeployStatus::succeeded,
                 DeployStatus::failed, DeployStatus::cancelled, DeployStatus::interrupted}) {
    if (text == status_name(s)) return s;
  }
  return std::nullopt;
}

const char* mode_name(DeployMode mode) {
  switch (mode) {
    case DeployMode::deploy: return "deploy";
    case DeployMode::build: return "build";
    case DeployMode::restart: return "restart";
  }
  return "?";
}

std::optional<DeployMode> parse_mode(std::string_view text) {
  for (auto m : {DeployMode::deploy, DeployMode::build, DeployMode::restart}) {
    if (text == mode_name(m)) return m;
  }
  return std::nullopt;
}

bool is_final(DeployStatus status) {
  return status == DeployStatus::succeeded || status == DeployStatus::failed || status == DeployStatus::cancelled ||
         status == DeployStatus::interrupted;
}

bool mode_includes(DeployMode outer, DeployMode inner) { return outer == inner || outer == DeployMode::deploy; }

int http_status_of(DeployStatus status) {
  switch (status) {
    case DeployStatus::succeeded: return 200;
    case DeployStatus::cancelled: return 409;
    default: return 500;
  }
}

RestartEntry restart_entry(const ipc::RestartDone& done) {
  return RestartEntry{done.service, done.ok,     done.pid, done.duration_ms,
                      done.error,   done.killed, done.ok ? std::string() : done.output, done.mode, ""};
}

RestartEntry restart_entry(const ipc::ReloadResult& result) {
  return RestartEntry{result.service, result.ok, result.pid, result.duration_ms, result.error, false,
                      result.ok ? std::string() : result.output, "", result.action};
}

std::string record_json(const DeployRecord& r, const RecordView& view) {
  using common::iso8601_utc;
  common::JsonWriter w(1024 + (view.log_tail ? view.log_tail->size() + view.log_tail->size() / 8 : 0));
  const auto time = [](const std::optional<int64_t>& ms) -> std::optional<std::string> {
    if (!ms) return std::nullopt;
    return iso8601_utc(*ms);
  };
  w.begin_object();
  w.field("deployId", r.id);
  w.field("status", status_name(r.status));
  // The outcome once there is one; null while the deploy is queued or runs,
  // so that a reader looking at `ok` first does not take it for failed.
  if (is_final(r.status)) {
    w.field("ok", r.status == DeployStatus::succeeded);
  } else {
    w.key("ok").null();
  }
  w.field("scope", r.scope);
  w.field("lane", r.lane);
  w.field("mode", mode_name(r.mode));
  w.field("targets", r.targets);
  w.field("requestedBy", r.requested_by);
  w.field("sessionId", r.session_id.empty() ? std::optional<std::string>() : r.session_id);
  w.field("reason", r.reason.empty() ? std::optional<std::string>() : r.reason);
  w.field("createdAt", iso8601_utc(r.created_at));
  w.field("startedAt", time(r.started_at));
  w.field("finishedAt", time(r.finished_at));
  w.field("queuedMs", r.queued_ms);
  w.field("durationMs", r.duration_ms);
  w.field("exitCode", r.exit_code);
  w.field("signal", r.signal);
  w.field("errorSummary", r.error_summary);
  w.key("diagnostics");
  diagnostics::write_diagnostics(w, r.diagnostics);
  w.key("restarts").begin_array();
  for (const auto& e : r.restarts) {
    w.begin_object().field("service", e.service).field("ok", e.ok).field("pid", e.pid).field("durationMs", e.duration_ms);
    if (!e.ok) w.field("error", e.error);
    if (e.killed) w.field("killed", true);
    if (!e.output.empty()) w.field("output", e.output);
    if (!e.mode.empty()) w.field("mode", e.mode);
    if (!e.action.empty()) w.field("action", e.action);
    w.end_object();
  }
  w.end_array();
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
  w.field("selfRestart", r.self_restart);
  w.field("coalesced", view.coalesced);
  w.field("joined", r.joined);
  w.field("logBytes", r.log_bytes);
  w.field("durable", view.durable);
  if (r.queue_position) w.field("queuePosition", *r.queue_position);
  if (r.waiting_for) w.field("waitingFor", *r.waiting_for);
  if (r.superseded_by) w.field("supersededBy", *r.superseded_by);
  if (view.warnings && !view.warnings->empty()) w.field("warnings", *view.warnings);
  if (view.log_tail) w.field("logTail", *view.log_tail);
  w.end_object();
  return std::move(w).str();
}

std::string new_deploy_id(int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  tm parts{};
  gmtime_r(&secs, &parts);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &parts);
  static std::mt19937_64 rng{std::random_device{}()};
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%06llx", static_cast<unsigned long long>(rng() & 0xFFFFFF));
  return std::string("d-") + stamp + "-" + suffix;
}

bool is_valid_deploy_id(std::string_view id) {
  if (id.size() < 3 || id.size() > 64 || id.substr(0, 2) != "d-") return false;
  for (char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace reship::back
