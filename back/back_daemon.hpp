#pragma once

#include <memory>
#include <vector>

#include "back/api/api.hpp"
#include "back/engine/deploy_service.hpp"
#include "back/store/deploy_store.hpp"
#include "back/events/event_bus.hpp"
#include "back/http/server.hpp"
#include "back/store/log_store.hpp"
#include "back/engine/supervisor_client.hpp"
#include "common/os/child_reaper.hpp"
#include "common/config/config.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::back {

/// reship-back as an object on a loop: the deploy engine, its API on every
/// [back] listen address, the signals, and the way out.
class BackDaemon {
 public:
  /// Exit codes: 2 for what the operator must fix before a start can work
  /// (the database locked or damaged), 1 for other start failures.
  struct StartError {
    int exit_code;
    std::string message;
  };

  BackDaemon(uv_loop_t* loop, common::Config config);
  ~BackDaemon();
  BackDaemon(const BackDaemon&) = delete;
  BackDaemon& operator=(const BackDaemon&) = delete;

  std::optional<StartError> start();
  /// SIGTERM: stop accepting, end running deploys as interrupted and answer
  /// their callers, finish answers in flight (within a bound), then stop the
  /// loop with exit code 0. A second call stops at once.
  void shut_down();
  int exit_code() const { return exit_code_; }

  /// How long answers in flight get on shutdown.
  static constexpr common::Millis kShutdownGrace{10'000};

 private:
  void maybe_finish();
  std::optional<StartError> lock_state_dir();

  uv_loop_t* loop_;
  common::Config config_;
  std::unique_ptr<DeployStore> store_;
  std::unique_ptr<LogStore> logs_;
  std::unique_ptr<EventBus> events_;
  std::unique_ptr<SupervisorClient> supervisor_;
  std::unique_ptr<common::ChildReaper> reaper_;
  std::unique_ptr<DeployService> deploys_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<http::HttpServer> server_;
  common::uv::Signal sigterm_;
  common::uv::Signal sigint_;
  bool shutting_down_ = false;
  bool deploys_done_ = false;
  bool server_done_ = false;
  int exit_code_ = 0;
  int lock_fd_ = -1;
};

}  // namespace reship::back
