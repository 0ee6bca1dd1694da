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
  auto guard = StateDirGuard::take(config.back.state_dir);
  if (auto* refused = std::get_if<StateDirGuard::Refused>(&guard)) return StartError{2, refused->message};
  e->guard_ = std::move(std::get<std::unique_ptr<StateDirGuard>>(guard));
  auto store = DeployStore::open(config.back.state_dir / "deploys.db");
  if (!store) return StartError{2, store.error().message};
  e->store_ = std::move(*store);
  e->guard_->watch(config.back.state_dir / "deploys.db");
  e->logs_ = std::make_unique<LogStore>(config.back.state_dir, config.back.keep_logs);
  if (auto prepared = e->logs_->prepare(); !prepared) return StartError{2, prepared.error().message};
  e->events_ = std::make_unique<EventBus>(loop);
  if (auto seqs = e->events_->use_seqs(e->store_.get()); !seqs) return StartError{2, seqs.error().message};
  // Log events are read back from the log only when someone listens.
  e->events_->set_log_source(e->logs_.get());
  e->supervisor_ = std::make_unique<SupervisorClient>(loop, config);
  // Orphans of builds re-parent here, so that their end is seen.
  if (auto r = common::become_subreaper(); !r) spdlog::warn("{}", r.error().message);
  e->reaper_ = std::make_unique<common::ChildReaper>(loop);
  e->deploys_ = std::make_unique<DeployService>(loop, config, *e->store_, *e->logs_, *e->events_, *e->supervisor_,
                                                *e->reaper_);
  StateDirGuard* guard_raw = e->guard_.get();
  e->deploys_->set_state_check([guard_raw] { return guard_raw->problem(); });
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
  guard_.reset();  // releases the state_dir locks, last
}

void Engine::close() { events_->release_unused_seqs(); }

}  // namespace reship::back
