#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "back/engine/engine.hpp"
#include "common/config/config.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::test {

/// The deploy engine of reship-back, assembled as the daemon assembles it
/// (back::Engine::open), on a loop of the test's own, over a config file on
/// disk.
struct EngineFixture {
  explicit EngineFixture(const std::string& config_path);
  ~EngineFixture();

  /// Runs the loop until `done()` holds or `timeout` passes; returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// Submits and returns the answer slot filled when the deploy ends.
  struct Answer {
    bool arrived = false;
    back::DeployRecord record;
    bool coalesced = false;
  };
  std::shared_ptr<Answer> submit(const back::DeployRequest& request, std::string* id = nullptr);
  /// Submits, runs until the answer arrives, and returns it.
  Answer deploy(const back::DeployRequest& request, std::chrono::milliseconds timeout = std::chrono::seconds(30));

  common::uv::Loop loop;
  common::Config config;
  std::unique_ptr<back::Engine> engine;
  // The engine's parts, as tests use them.
  back::DeployStore* store = nullptr;
  back::LogStore* logs = nullptr;
  back::EventBus* events = nullptr;
  back::DeployService* service = nullptr;
};

back::DeployRequest request(const std::string& scope, back::DeployMode mode = back::DeployMode::deploy,
                            bool cancel_running = false);

}  // namespace reship::test
