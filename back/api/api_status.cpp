// Status routes: the supervisor's services, liveness, metrics.

#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "back/api/api.hpp"
#include "common/text/escape.hpp"
#include "common/text/json_writer.hpp"
#include "common/time.hpp"
#include "ipc/messages.hpp"
#include "reship/version.hpp"

namespace reship::api {

void Api::services(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  if (!authenticate(req, ex)) return;
  std::weak_ptr<bool> alive = alive_;
  parts_.supervisor.status([this, alive, ex](common::Result<ipc::StatusReply> status) {
    if (alive.expired()) return;
    if (!status) {
      respond_error(ex, {503, "supervisor_unavailable", status.error().message});
      return;
    }
    respond_json(ex, 200, ipc::encode_status_json(*status));
  });
}

void Api::restart_service(http::Request& req, const std::shared_ptr<http::Exchange>& ex, const Params& params) {
  auto caller = authenticate(req, ex);
  if (!caller) return;
  const std::string& name = params.at("name");
  const auto& services = parts_.config.services;
  if (std::none_of(services.begin(), services.end(), [&](const auto& s) { return s.name == name; })) {
    std::string known;
    for (const auto& s : services) known += (known.empty() ? "" : ", ") + s.name;
    respond_error(ex,
                  {404, "not_found", "no service \"" + common::escape_controls(name) + "\" (services: " + known + ")"});
    return;
  }
  // reship-back itself restarts only as a deploy's last step, which answers
  // its callers first (docs/http-api.md, Restarting itself).
  if (name == parts_.config.back.service) {
    respond_error(ex, {400, "bad_request",
                       "reship-back's own service restarts through a deploy: POST /api/v1/deploys with a scope "
                       "that lists it and mode restart"});
    return;
  }
  // A token may restart a service of a scope it may deploy.
  if (caller->token != nullptr) {
    bool allowed = false;
    for (const auto& scope : caller->token->scopes) {
      const auto it = parts_.config.scopes.find(scope);
      if (it != parts_.config.scopes.end() &&
          std::find(it->second.begin(), it->second.end(), name) != it->second.end()) {
        allowed = true;
      }
    }
    if (!allowed) {
      respond_error(ex, {403, "forbidden",
                         "token \"" + caller->name + "\" may deploy no scope that lists service \"" + name + "\""});
      return;
    }
  }
  // A lock holds every way a lane's services are touched, this one too.
  for (const auto& [scope, members] : parts_.config.scopes) {
    if (std::find(members.begin(), members.end(), name) == members.end()) continue;
    if (const auto* lock = parts_.deploys.locks().held(parts_.config.lane_of(scope))) {
      ApiError error{423, "locked", back::describe_lock(*lock) + "; restarts of its services wait until then"};
      error.lock = *lock;
      respond_error(ex, error);
      return;
    }
  }
  spdlog::info("restart of service {} asked by {}", name, caller->name);
  auto done = std::make_shared<std::optional<ipc::RestartDone>>();
  std::weak_ptr<bool> alive = alive_;
  back::Restarter::Handlers handlers;
  handlers.on_done = [done](const ipc::RestartDone& d) { *done = d; };
  handlers.on_complete = [this, alive, ex, done, name](const ipc::RestartComplete& complete) {
    if (alive.expired()) return;
    common::JsonWriter w;
    w.begin_object().field("service", name);
    const bool ok = complete.ok && done->has_value() && (*done)->ok;
    w.field("ok", ok).field("durationMs", complete.duration_ms);
    if (done->has_value()) {
      w.field("pid", (*done)->pid).field("oldPid", (*done)->old_pid);
      if (!(*done)->ok) w.field("error", (*done)->error);
    }
    w.end_object();
    respond_json(ex, ok ? 200 : 500, std::move(w).str());
  };
  handlers.on_failure = [this, alive, ex](const common::Error& error) {
    if (alive.expired()) return;
    respond_error(ex, {503, "supervisor_unavailable", error.message});
  };
  parts_.supervisor.restart({name}, std::move(handlers));
}

void Api::lanes(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  if (!authenticate(req, ex)) return;
  common::JsonWriter w(1024);
  w.begin_object().field("maxParallelBuilds", parts_.deploys.max_parallel_builds()).key("lanes").begin_array();
  const auto record = [&](const std::optional<std::string>& id) {
    std::optional<back::DeployRecord> r = id ? parts_.deploys.get(*id) : std::nullopt;
    if (r) {
      w.raw(back::record_json(*r, {.durable = parts_.deploys.durable(r->id)}));
    } else {
      w.null();
    }
  };
  for (const auto& lane : parts_.deploys.lanes()) {
    w.begin_object().field("name", lane.name).field("scopes", lane.scopes).key("running");
    record(lane.head);
    w.key("queued");
    record(lane.queued);
    w.key("lock");
    if (const auto* lock = parts_.deploys.locks().held(lane.name)) {
      back::write_lock(w, *lock);
    } else {
      w.null();
    }
    w.end_object();
  }
  w.end_array().end_object();
  respond_json(ex, 200, std::move(w).str());
}

void Api::healthz(http::Request&, const std::shared_ptr<http::Exchange>& ex) {
  // Liveness only: no token needed, nothing secret in it.
  // Not ok when the state dir was pulled from under it: a health check
  // should restart it rather than let it serve deploys it cannot keep.
  const auto problem = parts_.deploys.state_problem();
  common::JsonWriter w;
  w.begin_object().field("ok", !problem.has_value());
  if (problem) w.field("problem", *problem);
  w.field("version", kVersion)
      .field("pid", static_cast<int>(::getpid()))
      .field("uptimeMs", common::monotonic_ms() - started_ms_)
      .field("running", parts_.deploys.running_id())
      .key("locks")
      .begin_array();
  for (const auto& lock : parts_.deploys.locks().all()) back::write_lock(w, lock);
  w.end_array().end_object();
  respond_json(ex, problem ? 503 : 200, std::move(w).str());
}

void Api::metrics(http::Request&, const std::shared_ptr<http::Exchange>& ex) {
  Metrics::Gauges g;
  g.queue_depth = parts_.deploys.queue_depth();
  g.build_running = parts_.deploys.running_id().has_value();
  g.subscribers = parts_.events.subscribers();
  g.uptime_ms = common::monotonic_ms() - started_ms_;
  g.last_event_seq = parts_.events.last_seq();
  for (const auto& lane : parts_.deploys.lanes()) {
    g.lanes.push_back({lane.name, lane.queued ? size_t{1} : size_t{0}, lane.running,
                       parts_.deploys.locks().held(lane.name) != nullptr});
  }
  metrics_.http_request(200);
  ex->respond(200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render(g));
}

}  // namespace reship::api
