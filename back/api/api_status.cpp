// Status routes: the supervisor's services, liveness, metrics.

#include <unistd.h>

#include "back/api/api.hpp"
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
      .end_object();
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
    g.lanes.push_back({lane.name, lane.queued ? size_t{1} : size_t{0}, lane.running});
  }
  metrics_.http_request(200);
  ex->respond(200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render(g));
}

}  // namespace reship::api
