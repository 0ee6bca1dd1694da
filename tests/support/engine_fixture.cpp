#include "tests/support/engine_fixture.hpp"

#include <catch2/catch.hpp>

namespace reship::test {

Engine::Engine(const std::string& config_path) {
  auto load = common::load_config(config_path);
  for (const auto& p : load.problems) UNSCOPED_INFO(p.to_string());
  REQUIRE(load.config.has_value());
  config = std::move(*load.config);
  // Leftover build processes re-parent to us, so that their end is seen.
  REQUIRE(common::become_subreaper().ok());
  auto opened = back::DeployStore::open(config.back.state_dir / "deploys.db");
  REQUIRE(opened.ok());
  store = std::move(*opened);
  logs = std::make_unique<back::LogStore>(config.back.state_dir, config.back.keep_logs);
  REQUIRE(logs->prepare().ok());
  events = std::make_unique<back::EventBus>(loop);
  REQUIRE(events->use_store(store.get()).ok());
  supervisor = std::make_unique<back::SupervisorClient>(loop, config);
  reaper = std::make_unique<common::ChildReaper>(loop);
  service = std::make_unique<back::DeployService>(loop, config, *store, *logs, *events, *supervisor, *reaper);
  reaper->on_pass([this] { service->check_groups(); });
  REQUIRE(reaper->start().ok());
  service->recover();
}

Engine::~Engine() {
  service.reset();
  reaper.reset();
  supervisor.reset();
  events.reset();
  loop.close();
}

bool Engine::run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  bool expired = false;
  common::uv::Timer deadline(loop);
  deadline.start(std::chrono::duration_cast<common::Millis>(timeout), [&] { expired = true; });
  while (!done() && !expired) uv_run(loop, UV_RUN_ONCE);
  return done();
}

std::shared_ptr<Engine::Answer> Engine::submit(const back::DeployRequest& request, std::string* id) {
  auto answer = std::make_shared<Answer>();
  auto result = service->submit(request, [answer](const back::DeployRecord& r, bool coalesced) {
    answer->arrived = true;
    answer->record = r;
    answer->coalesced = coalesced;
  });
  if (auto* error = std::get_if<back::ApiError>(&result)) FAIL(error->message);
  if (id != nullptr) *id = std::get<back::DeployService::Submitted>(result).id;
  return answer;
}

Engine::Answer Engine::deploy(const back::DeployRequest& request, std::chrono::milliseconds timeout) {
  auto answer = submit(request);
  REQUIRE(run_until([&] { return answer->arrived; }, timeout));
  return *answer;
}

back::DeployRequest request(const std::string& scope, back::DeployMode mode, bool cancel_running) {
  back::DeployRequest r;
  r.scope = scope;
  r.mode = mode;
  r.cancel_running = cancel_running;
  r.requested_by = "test";
  return r;
}

}  // namespace reship::test
