#pragma once

#include <memory>
#include <optional>
#include <string>

#include "back/api/api.hpp"
#include "back/engine/config_reloader.hpp"
#include "back/engine/engine.hpp"
#include "back/http/server.hpp"
#include "common/config/config.hpp"
#include "back/mcp/mcp_server.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::back {

/// reship-back as an object on a loop: the engine (Engine::open), its API on
/// every [back] listen address, the signals, and the way out.
class BackDaemon {
 public:
  using StartError = Engine::StartError;

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
  std::optional<StartError> listen();
  /// Reads the config file again (SIGHUP, POST /api/v1/reload, a deploy's
  /// "reload": true); with `apply`, what passes its checks takes effect.
  ConfigReload reload(bool apply);
  void maybe_finish();

  uv_loop_t* loop_;
  common::Config config_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<mcp::McpServer> mcp_;
  std::unique_ptr<http::HttpServer> server_;
  common::uv::Signal sigterm_;
  common::uv::Signal sigint_;
  common::uv::Signal sighup_;
  bool shutting_down_ = false;
  bool deploys_done_ = false;
  bool server_done_ = false;
  int exit_code_ = 0;
};

}  // namespace reship::back
