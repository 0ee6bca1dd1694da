#pragma once

#include <string>
#include <utility>

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
  };

  Refusal(Reason reason_in, std::string message_in, std::string deploy_id_in = {})
      : reason(reason_in), message(std::move(message_in)), deploy_id(std::move(deploy_id_in)) {}

  Reason reason;
  std::string message;
  /// The deploy the refusal concerns, if any.
  std::string deploy_id;
};

/// The error code users see for a reason ("unknown_scope").
const char* code_of(Refusal::Reason reason);

}  // namespace reship::back
