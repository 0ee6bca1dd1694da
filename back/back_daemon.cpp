#include "back/back_daemon.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "common/os/sd_notify.hpp"
#include "reship/version.hpp"

namespace reship::back {

BackDaemon::BackDaemon(uv_loop_t* loop, common::Config config)
    : loop_(loop), config_(std::move(config)), sigterm_(loop), sigint_(loop) {}

BackDaemon::~BackDaemon() {
  // The server's exchanges refer to the API, the API to the engine.
  server_.reset();
  api_.reset();
  deploys_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the state_dir lock
}

std::optional<BackDaemon::StartError> BackDaemon::start() {
  if (auto locked = lock_state_dir(); locked) return locked;
  auto store = DeployStore::open(config_.back.state_dir / "deploys.db");
  if (!store) return StartError{2, store.error().message};
  store_ = std::move(*store);
  logs_ = std::make_unique<LogStore>(config_.back.state_dir, config_.back.keep_logs);
  if (auto prepared = logs_->prepare(); !prepared) return StartError{2, prepared.error().message};
  events_ = std::make_unique<EventBus>(loop_);
  if (auto seqs = events_->use_store(store_.get()); !seqs) return StartError{2, seqs.error().message};
  supervisor_ = std::make_unique<SupervisorClient>(loop_, config_);
  // Orphans of builds re-parent here, so that their end is seen.
  if (auto r = common::become_subreaper(); !r) spdlog::warn("{}", r.error().message);
  reaper_ = std::make_unique<common::ChildReaper>(loop_);
  deploys_ = std::make_unique<DeployService>(loop_, config_, *store_, *logs_, *events_, *supervisor_, *reaper_);
  reaper_->on_pass([this] { deploys_->check_groups(); });
  if (auto r = reaper_->start(); !r) return StartError{1, r.error().message};
  deploys_->recover();
  api_ = std::make_unique<api::Api>(api::Api::Parts{loop_, config_, *deploys_, *logs_, *events_, *supervisor_});
  deploys_->on_finished([this](const DeployService::Finished& f) { api_->metrics().deploy_finished(f); });
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
  (void)sigterm_.start(SIGTERM, [this] { shut_down(); });
  (void)sigint_.start(SIGINT, [this] { shut_down(); });
  spdlog::info("reship-back {} started: pid {}, state in {}, {} token(s)", kVersion, ::getpid(),
               config_.back.state_dir.string(), config_.tokens.size());
  common::sd_notify("READY=1");
  return std::nullopt;
}

std::optional<BackDaemon::StartError> BackDaemon::lock_state_dir() {
  std::error_code ec;
  std::filesystem::create_directories(config_.back.state_dir, ec);
  const std::string path = (config_.back.state_dir / "reship-back.lock").string();
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return StartError{2, common::errno_error("cannot open " + path).message};
  // Two reship-backs on one state_dir would both run builds and both
  // "recover" each other's deploys: the second one refuses.
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    (void)!::pread(lock_fd_, buf, sizeof buf - 1, 0);
    return StartError{2, "another reship-back (pid " + std::string(buf, std::strlen(buf)) + ") uses the state_dir " +
                             config_.back.state_dir.string() + ": stop it first, or give this one another state_dir"};
  }
  const std::string pid = std::to_string(::getpid());
  (void)!::ftruncate(lock_fd_, 0);
  (void)!::pwrite(lock_fd_, pid.data(), pid.size(), 0);
  return std::nullopt;
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
  deploys_->shut_down([this] {
    deploys_done_ = true;
    maybe_finish();
  });
}

void BackDaemon::maybe_finish() {
  if (!server_done_ || !deploys_done_) return;
  events_->release_unused_seqs();
  spdlog::info("reship-back exiting");
  sigterm_.stop();
  sigint_.stop();
  uv_stop(loop_);
}

}  // namespace reship::back
