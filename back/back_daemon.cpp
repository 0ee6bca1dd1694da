#include "back/back_daemon.hpp"

#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include <spdlog/spdlog.h>

#include "back/config_reload.hpp"
#include "common/os/sd_notify.hpp"
#include "reship/version.hpp"

namespace reship::back {

BackDaemon::BackDaemon(uv_loop_t* loop, common::Config config)
    : loop_(loop), config_(std::move(config)), sigterm_(loop), sigint_(loop), sighup_(loop) {}

BackDaemon::~BackDaemon() {
  // The server's exchanges refer to the API, the API to the engine.
  server_.reset();
  mcp_.reset();
  api_.reset();
  engine_.reset();
}

std::optional<BackDaemon::StartError> BackDaemon::start() {
  auto opened = Engine::open(loop_, config_);
  if (auto* error = std::get_if<StartError>(&opened)) return *error;
  engine_ = std::move(std::get<std::unique_ptr<Engine>>(opened));
  auto reloader = [this](bool apply) { return reload(apply); };
  engine_->deploys().set_reloader(reloader);
  api_ = std::make_unique<api::Api>(api::Api::Parts{loop_, config_, engine_->deploys(), engine_->logs(),
                                                    engine_->events(), engine_->supervisor(), reloader});
  engine_->deploys().on_finished([this](const DeployService::Finished& f) { api_->metrics().deploy_finished(f); });
  mcp_ = std::make_unique<mcp::McpServer>(
      mcp::Tools::Parts{loop_, config_, engine_->deploys(), engine_->logs(), engine_->supervisor(), api_->auth()},
      &api_->metrics());
  api_->mount("POST", "/mcp", [this](http::Request& r, const std::shared_ptr<http::Exchange>& e, const api::Params&) {
    mcp_->post(r, e);
  });
  api_->mount("DELETE", "/mcp", [this](http::Request& r, const std::shared_ptr<http::Exchange>& e,
                                        const api::Params&) { mcp_->remove(r, e); });
  // A daemon that could not hear SIGTERM would be stopped only by SIGKILL,
  // its deploys never answered: refuse to start rather than run deaf.
  if (auto r = sigterm_.start(SIGTERM, [this] { shut_down(); }); !r) {
    return StartError{1, "cannot watch SIGTERM: " + r.error().message};
  }
  if (auto r = sigint_.start(SIGINT, [this] { shut_down(); }); !r) {
    return StartError{1, "cannot watch SIGINT: " + r.error().message};
  }
  if (auto r = sighup_.start(SIGHUP, [this] { reload(true); }); !r) {
    return StartError{1, "cannot watch SIGHUP: " + r.error().message};
  }
  if (auto failed = listen()) return failed;
  spdlog::info("reship-back {} started: pid {}, state in {}, {} token(s)", kVersion, ::getpid(),
               config_.back.state_dir.string(), config_.tokens.size());
  common::sd_notify("READY=1");
  return std::nullopt;
}

std::optional<BackDaemon::StartError> BackDaemon::listen() {
  http::ServerOptions options;
  options.header_timeout = config_.back.header_timeout;
  options.idle_timeout = config_.back.idle_timeout;
  options.max_connections = config_.back.max_connections;
  server_ = std::make_unique<http::HttpServer>(
      loop_, [this](http::Request& req, std::shared_ptr<http::Exchange> ex) { api_->handle(req, ex); }, options);
  for (const auto& address : config_.back.listen) {
    if (address.is_unix) {
      std::error_code ec;
      std::filesystem::create_directories(address.path.parent_path(), ec);
      if (auto r = server_->listen_unix(address.path.string(), 0600); !r) return StartError{1, r.error().message};
      spdlog::info("listening on unix:{}", address.path.string());
    } else {
      if (auto r = server_->listen_tcp(address.host, address.port); !r) return StartError{1, r.error().message};
      const bool v6 = address.host.find(':') != std::string::npos;
      spdlog::info("listening on http://{}{}{}:{}", v6 ? "[" : "", address.host, v6 ? "]" : "",
                   server_->tcp_ports().back());
    }
  }
  return std::nullopt;
}

ConfigReload BackDaemon::reload(bool apply) {
  ConfigReload outcome = reload_config(config_, apply);
  if (!outcome.ok()) {
    for (const auto& p : outcome.problems) spdlog::warn("reload refused: {}", p);
    spdlog::warn("reload: nothing changed; reship-back goes on with the config it runs");
    return outcome;
  }
  if (!apply) return outcome;
  engine_->deploys().config_changed();
  engine_->logs().set_keep_logs(config_.back.keep_logs);
  if (server_) {
    server_->set_limits(config_.back.header_timeout, config_.back.idle_timeout, config_.back.max_connections);
  }
  std::string changed;
  for (const auto& c : outcome.changed) changed += (changed.empty() ? "" : ", ") + c;
  spdlog::info("reload: {}; {} token(s)", changed.empty() ? "nothing changed" : "changed " + changed,
               config_.tokens.size());
  for (const auto& n : outcome.needs_restart) spdlog::warn("reload: {}", n);
  return outcome;
}

void BackDaemon::shut_down() {
  if (shutting_down_) {
    spdlog::warn("asked again to stop: exiting now");
    uv_stop(loop_);
    return;
  }
  shutting_down_ = true;
  spdlog::info("stopping: no new requests; running deploys end as interrupted");
  common::sd_notify("STOPPING=1");
  // Live streams never complete on their own: end them so that they do not
  // hold the grace period.
  api_->close_streams();
  server_->shutdown(kShutdownGrace, [this] {
    server_done_ = true;
    maybe_finish();
  });
  engine_->deploys().shut_down([this] {
    deploys_done_ = true;
    maybe_finish();
  });
}

void BackDaemon::maybe_finish() {
  if (!server_done_ || !deploys_done_) return;
  engine_->close();
  spdlog::info("reship-back exiting");
  sigterm_.stop();
  sigint_.stop();
  sighup_.stop();
  uv_stop(loop_);
}

}  // namespace reship::back
