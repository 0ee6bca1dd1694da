#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

#include <simdjson.h>

#include "back/api/api_error.hpp"
#include "back/api/auth.hpp"
#include "back/engine/deploy_service.hpp"
#include "common/config/config.hpp"

namespace reship::api {

/// A deploy request's fields (contract 3.1), read alike from an HTTP body and
/// from an MCP tool's arguments, so that both fronts give the same messages.
class DeployBody {
 public:
  DeployBody(const common::Config& config, const Authenticator& auth, const back::DeployService& deploys)
      : config_(config), auth_(auth), deploys_(deploys) {}

  /// Reads scope, mode, sessionId, reason, cancelRunning and idempotencyKey
  /// from `object` into `request`; `also` names the members the front reads
  /// itself (MCP's waitSeconds), any other member is an error.
  std::optional<ApiError> read_fields(simdjson::dom::object object, back::DeployRequest& request,
                                      std::span<const std::string_view> also = {}) const;
  /// Takes the Idempotency-Key header (when sent) beside the body's
  /// idempotencyKey and checks the key.
  std::optional<ApiError> take_key_header(std::optional<std::string_view> header, bool key_in_body,
                                          back::DeployRequest& request) const;
  /// The scope exists and the caller may deploy it.
  std::optional<ApiError> check_scope(const back::DeployRequest& request, const Caller& caller) const;

 private:
  const common::Config& config_;
  const Authenticator& auth_;
  const back::DeployService& deploys_;
};

}  // namespace reship::api
