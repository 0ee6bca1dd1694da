#include "back/engine/deploy_events.hpp"

#include <optional>

namespace reship::back {

void DeployEvents::queued(const DeployRecord& r) {
  bus_.publish("deploy.queued", r.id, [&](common::JsonWriter& w) {
    w.field("scope", r.scope).field("lane", r.lane).field("mode", mode_name(r.mode));
    w.field("queuePosition", r.queue_position.value_or(0));
    w.field("requestedBy", r.requested_by);
  });
}

void DeployEvents::started(const DeployRecord& r) {
  bus_.publish("deploy.start", r.id, [&](common::JsonWriter& w) {
    w.field("mode", mode_name(r.mode)).field("targets", r.targets).field("scope", r.scope).field("lane", r.lane);
    w.field("sessionId", r.session_id.empty() ? std::optional<std::string>() : r.session_id);
  });
}

void DeployEvents::restart_started(const std::string& deploy_id, const std::string& service) {
  bus_.publish("deploy.restart.start", deploy_id, [&](common::JsonWriter& w) { w.field("service", service); });
}

void DeployEvents::restart_done(const std::string& deploy_id, const RestartEntry& e) {
  bus_.publish("deploy.restart.done", deploy_id, [&](common::JsonWriter& w) {
    w.field("service", e.service).field("ok", e.ok).field("pid", e.pid).field("durationMs", e.duration_ms);
    if (!e.ok) w.field("error", e.error);
  });
}

void DeployEvents::cancelled(const DeployRecord& r) {
  bus_.publish("deploy.cancelled", r.id, [&](common::JsonWriter& w) { w.field("reason", r.error_summary); });
}

void DeployEvents::done(const DeployRecord& r) {
  bus_.publish("deploy.done", r.id, [&](common::JsonWriter& w) {
    w.field("ok", r.status == DeployStatus::succeeded).field("status", status_name(r.status));
    w.field("exitCode", r.exit_code).field("durationMs", r.duration_ms).field("errorSummary", r.error_summary);
    w.field("selfRestart", r.self_restart).field("lane", r.lane);
    w.key("diagnostics");
    diagnostics::write_diagnostics(w, r.diagnostics);
  });
}

}  // namespace reship::back
