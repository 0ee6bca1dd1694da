#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "back/engine/deploy_service.hpp"
#include "back/engine/supervisor_client.hpp"
#include "back/events/event_bus.hpp"
#include "back/store/deploy_store.hpp"
#include "back/store/log_store.hpp"
#include "back/store/state_dir_guard.hpp"
#include "common/config/config.hpp"
#include "common/os/child_reaper.hpp"

namespace reship::back {

/// reship-back's deploy engine, assembled: the one composition root, used by
/// the daemon and by the tests alike.
///
///   auto opened = Engine::open(loop, config);  // locks state_dir, opens the
///   if (auto* e = std::get_if<Engine::StartError>(&opened)) …exit e->exit_code…
///   auto& engine = *std::get<std::unique_ptr<Engine>>(opened);
///   engine.deploys().submit(…);
class Engine {
 public:
  /// Exit codes: 2 for what the operator must fix before a start can work
  /// (the state dir locked by another reship-back, the database damaged), 1
  /// for other start failures.
  struct StartError {
    int exit_code;
    std::string message;
  };

  /// Locks `[back] state_dir`, opens the database and the logs, takes event
  /// seqs, starts reaping, and recovers what a crash left (recover()).
  static std::variant<std::unique_ptr<Engine>, StartError> open(uv_loop_t* loop, const common::Config& config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  DeployService& deploys() { return *deploys_; }
  DeployStore& store() { return *store_; }
  LogStore& logs() { return *logs_; }
  EventBus& events() { return *events_; }
  SupervisorClient& supervisor() { return *supervisor_; }
  /// Why the state dir is no longer the one opened; nothing while it is.
  std::optional<std::string> state_problem() const { return guard_->problem(); }

  /// On a clean stop, once every deploy is settled: hands unused event seqs
  /// back (EventBus::release_unused_seqs).
  void close();

 private:
  Engine() = default;
  std::unique_ptr<StateDirGuard> guard_;
  std::unique_ptr<DeployStore> store_;
  std::unique_ptr<LogStore> logs_;
  std::unique_ptr<EventBus> events_;
  std::unique_ptr<SupervisorClient> supervisor_;
  std::unique_ptr<common::ChildReaper> reaper_;
  std::unique_ptr<DeployService> deploys_;
};

}  // namespace reship::back
