#pragma once

#include <optional>
#include <string>
#include <utility>

#include "back/locks/deploy_locks.hpp"

namespace reship::back {

/// Why the engine refused a call. It says nothing of HTTP: back/api maps
/// each reason to a status (api_error.hpp).
struct Refusal {
  enum class Reason {
    unknown_scope,     // no such scope in the config
    shutting_down,     // reship-back is stopping: try again in a moment
    storage_error,     // the deploy could not be recorded
    not_found,         // no such deploy
    already_finished,  // a cancel that came too late
    restarting,        // a cancel while the deploy restarts services
    idempotency_conflict,  // an Idempotency-Key first used with another request
    locked,                // the scope's lane is locked (POST /api/v1/lock)
  };

  Refusal(Reason reason_in, std::string message_in, std::string deploy_id_in = {},
          std::optional<DeployLock> lock_in = std::nullopt)
      : reason(reason_in), message(std::move(message_in)), deploy_id(std::move(deploy_id_in)), lock(std::move(lock_in)) {}

  Reason reason;
  std::string message;
  /// The deploy the refusal concerns, if any.
  std::string deploy_id;
  /// For `locked`: the lock that refused it.
  std::optional<DeployLock> lock;
};

/// The error code users see for a reason ("unknown_scope").
const char* code_of(Refusal::Reason reason);

}  // namespace reship::back
