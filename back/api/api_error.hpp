#pragma once

#include <optional>
#include <string>
#include <utility>

#include "back/engine/refusal.hpp"

namespace reship::api {

/// An error as the API answers it: {"error":{"code":…,"message":…}} with its
/// HTTP status (and, for a deploy it concerns, "deployId" and Location).
struct ApiError {
  ApiError() = default;
  ApiError(int status, std::string code_in, std::string message_in, std::string deploy_id_in = {})
      : http_status(status), code(std::move(code_in)), message(std::move(message_in)), deploy_id(std::move(deploy_id_in)) {}

  int http_status = 400;
  std::string code;
  std::string message;
  std::string deploy_id;
  /// For 423 locked: the lock, shown in the body's "error" as "lock".
  std::optional<back::DeployLock> lock;
};

/// How the API says an engine refusal (contract 3.1's table of statuses).
ApiError api_error(const back::Refusal& refusal);
/// What a text that cannot be a deploy id gets: 404, as an unknown id.
ApiError not_a_deploy_id();

}  // namespace reship::api
