#include "tests/support/engine_fixture.hpp"

#include <catch2/catch.hpp>

namespace reship::test {

EngineFixture::EngineFixture(const std::string& config_path) {
  auto load = common::load_config(config_path);
  for (const auto& p : load.problems) UNSCOPED_INFO(p.to_string());
  REQUIRE(load.config.has_value());
  config = std::move(*load.config);
  auto opened = back::Engine::open(loop, config);
  if (auto* error = std::get_if<back::Engine::StartError>(&opened)) FAIL(error->message);
  engine = std::move(std::get<std::unique_ptr<back::Engine>>(opened));
  store = &engine->store();
  logs = &engine->logs();
  events = &engine->events();
  service = &engine->deploys();
}

EngineFixture::~EngineFixture() {
  engine.reset();
  loop.close();
}

bool EngineFixture::run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  bool expired = false;
  common::uv::Timer deadline(loop);
  deadline.start(std::chrono::duration_cast<common::Millis>(timeout), [&] { expired = true; });
  while (!done() && !expired) uv_run(loop, UV_RUN_ONCE);
  return done();
}

std::shared_ptr<EngineFixture::Answer> EngineFixture::submit(const back::DeployRequest& request, std::string* id) {
  auto answer = std::make_shared<Answer>();
  auto result = service->submit(request, [answer](const back::DeployRecord& r, bool coalesced) {
    answer->arrived = true;
    answer->record = r;
    answer->coalesced = coalesced;
  });
  if (auto* refused = std::get_if<back::Refusal>(&result)) FAIL(refused->message);
  if (id != nullptr) *id = std::get<back::DeployService::Submitted>(result).id;
  return answer;
}

EngineFixture::Answer EngineFixture::deploy(const back::DeployRequest& request, std::chrono::milliseconds timeout) {
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
