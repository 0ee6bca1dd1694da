#include "back/engine/engine.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

namespace reship::back {

std::variant<std::unique_ptr<Engine>, Engine::StartError> Engine::open(uv_loop_t* loop, const common::Config& config) {
  std::unique_ptr<Engine> e(new Engine());
  if (auto locked = e->lock_state_dir(config)) return *locked;
  auto store = DeployStore::open(config.back.state_dir / "deploys.db");
  if (!store) return StartError{2, store.error().message};
  e->store_ = std::move(*store);
  e->logs_ = std::make_unique<LogStore>(config.back.state_dir, config.back.keep_logs);
  if (auto prepared = e->logs_->prepare(); !prepared) return StartError{2, prepared.error().message};
  e->events_ = std::make_unique<EventBus>(loop);
  if (auto seqs = e->events_->use_store(e->store_.get()); !seqs) return StartError{2, seqs.error().message};
  e->supervisor_ = std::make_unique<SupervisorClient>(loop, config);
  // Orphans of builds re-parent here, so that their end is seen.
  if (auto r = common::become_subreaper(); !r) spdlog::warn("{}", r.error().message);
  e->reaper_ = std::make_unique<common::ChildReaper>(loop);
  e->deploys_ = std::make_unique<DeployService>(loop, config, *e->store_, *e->logs_, *e->events_, *e->supervisor_,
                                                *e->reaper_);
  Engine* raw = e.get();
  e->reaper_->on_pass([raw] { raw->deploys_->check_groups(); });
  if (auto r = e->reaper_->start(); !r) return StartError{1, r.error().message};
  e->deploys_->recover();
  return e;
}

Engine::~Engine() {
  // The runs refer to the reaper, the bus and the store.
  deploys_.reset();
  reaper_.reset();
  supervisor_.reset();
  events_.reset();
  logs_.reset();
  store_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the state_dir lock
}

void Engine::close() { events_->release_unused_seqs(); }

std::optional<Engine::StartError> Engine::lock_state_dir(const common::Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.back.state_dir, ec);
  const std::string path = (config.back.state_dir / "reship-back.lock").string();
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return StartError{2, common::errno_error("cannot open " + path).message};
  // Two reship-backs on one state_dir would both run builds and both
  // "recover" each other's deploys: the second one refuses.
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    (void)!::pread(lock_fd_, buf, sizeof buf - 1, 0);
    return StartError{2, "another reship-back (pid " + std::string(buf, std::strlen(buf)) + ") uses the state_dir " +
                             config.back.state_dir.string() + ": stop it first, or give this one another state_dir"};
  }
  const std::string pid = std::to_string(::getpid());
  (void)!::ftruncate(lock_fd_, 0);
  (void)!::pwrite(lock_fd_, pid.data(), pid.size(), 0);
  return std::nullopt;
}

}  // namespace reship::back
