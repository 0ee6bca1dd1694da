#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "back/api/auth.hpp"
#include "back/api/catch_up_queue.hpp"
#include "back/api/deploy_body.hpp"
#include "back/api/deploy_list.hpp"
#include "back/api/metrics.hpp"
#include "back/api/router.hpp"
#include "back/engine/config_reloader.hpp"
#include "back/engine/deploy_service.hpp"
#include "back/events/event_bus.hpp"
#include "back/http/server.hpp"
#include "back/store/log_store.hpp"
#include "back/engine/restarter.hpp"
#include "common/config/config.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::api {

/// The HTTP API of contract 3: every route, on top of the deploy engine.
/// It owns no state of its own beyond counters and live streams; the engine
/// owns deploys, the bus owns events.
class Api {
 public:
  struct Parts {
    uv_loop_t* loop;
    const common::Config& config;
    back::DeployService& deploys;
    back::LogStore& logs;
    back::EventBus& events;
    back::Restarter& supervisor;
    /// Reads the config file again (POST /api/v1/reload); empty: not offered.
    back::ConfigReloader reload = nullptr;
  };

  explicit Api(Parts parts);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  /// The handler to give the HttpServer.
  void handle(http::Request& request, const std::shared_ptr<http::Exchange>& exchange);
  const Router& router() const { return router_; }
  /// Adds a route served by another front on the same listeners (MCP).
  void mount(std::string method, std::string pattern, RouteFn fn) {
    router_.add(std::move(method), std::move(pattern), std::move(fn));
  }
  const Authenticator& auth() const { return auth_; }
  Metrics& metrics() { return metrics_; }
  /// Ends every live stream (SSE, log follow, WebSocket) on shutdown.
  void close_streams();

  /// How long an SSE stream may stay silent before a heartbeat comment.
  static constexpr common::Millis kHeartbeat{15'000};
  /// A subscriber with this much unsent output stops taking live events and
  /// catches up from the ring as it reads (see Subscriber in api_streams.cpp).
  static constexpr size_t kHighWater = 1024 * 1024;
  /// How much JSON one catch-up step reads from the ring.
  static constexpr size_t kCatchUpPage = 256 * 1024;

  /// A live response (SSE, WebSocket, log follow), ended by its client or by
  /// close_streams().
  class Stream;

 private:
  // Routes (api_deploys.cpp).
  void self_deploy(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  void create_deploy(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  /// POST /api/v1/self/deploy?wait=: the outcome if it ends within `wait`,
  /// else 202 with the record and its Location.
  void deploy_and_wait(const back::DeployRequest& request, const std::shared_ptr<http::Exchange>& ex,
                       common::Millis wait);
  void list_deploys(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  void get_deploy(http::Request& req, const std::shared_ptr<http::Exchange>& ex, const Params& params);
  void cancel_deploy(http::Request& req, const std::shared_ptr<http::Exchange>& ex, const Params& params);
  void get_log(http::Request& req, const std::shared_ptr<http::Exchange>& ex, const Params& params);
  void get_lines(http::Request& req, const std::shared_ptr<http::Exchange>& ex, const Params& params);
  // Routes (api_streams.cpp).
  void events(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  void websocket(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  void follow_log(const std::shared_ptr<http::Exchange>& ex, const std::string& id, int64_t offset);
  // Routes (api_status.cpp).
  void services(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  void lanes(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  void restart_service(http::Request& req, const std::shared_ptr<http::Exchange>& ex, const Params& params);
  // api_reload.cpp
  void reload(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  void healthz(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  void metrics(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  // Routes (api_locks.cpp).
  void list_locks(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  void take_lock(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  void release_lock(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  // The dashboard's files (api_ui.cpp).
  void ui_file(http::Request& req, const std::shared_ptr<http::Exchange>& ex, std::string_view name);

  // Helpers shared by the routes.
  std::optional<Caller> authenticate(http::Request& req, const std::shared_ptr<http::Exchange>& ex);
  std::optional<back::DeployRequest> parse_deploy_body(http::Request& req, const std::shared_ptr<http::Exchange>& ex,
                                                       const Caller& caller);
  void respond_json(const std::shared_ptr<http::Exchange>& ex, int status, std::string body,
                    const http::Headers& headers = {});
  void respond_error(const std::shared_ptr<http::Exchange>& ex, const ApiError& error);
  std::string deploy_json(const back::DeployRecord& record, bool coalesced, bool with_tail,
                          const std::vector<std::string>* warnings = nullptr);
  bool valid_id(const std::string& id, const std::shared_ptr<http::Exchange>& ex);
  /// A live stream has ended: forget it (and now and then trim the heap).
  void stream_ended(uint64_t key);
  /// ?since=: nothing when absent; an error for what is not a seq this
  /// server handed out.
  common::Result<std::optional<uint64_t>> checked_since(std::optional<std::string_view> text) const;

  Parts parts_;
  Authenticator auth_;
  DeployBody body_;
  DeployList list_;
  Router router_;
  Metrics metrics_;
  int64_t started_ms_;
  // Slow subscribers' catch-up steps, spread over loop turns (declared
  // before the streams that refer to it, so that it outlives them).
  CatchUpQueue catch_up_;
  // Live streams (SSE, WebSocket, log follows), closed on shutdown.
  std::map<uint64_t, std::shared_ptr<Stream>> streams_;
  uint64_t next_stream_ = 1;
  size_t ended_since_trim_ = 0;
  // The heap is trimmed a moment after streams end, once their connections
  // (and the output they still queued) are gone too.
  common::uv::Timer trim_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace reship::api
