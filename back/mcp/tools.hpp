#pragma once

#include <memory>
#include <string>

#include <simdjson.h>

#include "back/api/auth.hpp"
#include "back/api/deploy_body.hpp"
#include "back/api/deploy_list.hpp"
#include "back/engine/deploy_service.hpp"
#include "back/engine/restarter.hpp"
#include "back/mcp/log_pages.hpp"
#include "back/mcp/tool_call.hpp"
#include "back/store/log_store.hpp"
#include "common/config/config.hpp"

namespace reship::mcp {

/// The tools of tool_catalog.cpp, on the deploy engine. Every check and
/// message is the HTTP API's (DeployBody, Authenticator, the engine's
/// refusals), so that a model reads what a person with curl would.
class Tools {
 public:
  struct Parts {
    uv_loop_t* loop;
    const common::Config& config;
    back::DeployService& deploys;
    back::LogStore& logs;
    back::Restarter& supervisor;
    const api::Authenticator& auth;
  };

  /// How often a waiting call with a progressToken hears how it goes.
  static constexpr common::Millis kProgressEvery{5000};

  explicit Tools(Parts parts);
  ~Tools();
  Tools(const Tools&) = delete;
  Tools& operator=(const Tools&) = delete;

  /// Runs tool `name` (one of the catalog's) with `arguments`; the call is
  /// answered now or later through `call`.
  void call(const std::string& name, simdjson::dom::object arguments, const api::Caller& caller,
            const std::shared_ptr<ToolCall>& call);

 private:
  void deploy(simdjson::dom::object args, const api::Caller& caller, const std::shared_ptr<ToolCall>& call,
              std::optional<back::DeployMode> forced_mode);
  void deploy_wait(simdjson::dom::object args, const std::shared_ptr<ToolCall>& call);
  void deploy_status(simdjson::dom::object args, const std::shared_ptr<ToolCall>& call);
  void deploys(simdjson::dom::object args, const std::shared_ptr<ToolCall>& call);
  void deploy_cancel(simdjson::dom::object args, const api::Caller& caller, const std::shared_ptr<ToolCall>& call);
  void deploy_logs(simdjson::dom::object args, const std::shared_ptr<ToolCall>& call);
  void services(const std::shared_ptr<ToolCall>& call);
  void restart(simdjson::dom::object args, const api::Caller& caller, const std::shared_ptr<ToolCall>& call);
  void restart_services(const std::vector<std::string>& names, const api::Caller& caller,
                        const std::shared_ptr<ToolCall>& call);

  /// Answers `call` with deploy `id`'s outcome once it ends, or with the
  /// record and what to call next after `wait`; progress meanwhile.
  void wait_for(const std::string& id, common::Millis wait, const std::shared_ptr<ToolCall>& call,
                bool replayed);
  void send_progress(const std::string& id, int64_t started_ms, const std::shared_ptr<ToolCall>& call);
  /// "latest" or an id, checked; the error result when it is neither.
  std::optional<std::string> deploy_id_arg(simdjson::dom::object args, const std::shared_ptr<ToolCall>& call);
  ToolResult record_result(const back::DeployRecord& record, bool replayed = false);

  Parts parts_;
  api::DeployBody body_;
  api::DeployList list_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace reship::mcp
