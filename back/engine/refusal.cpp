#include "back/engine/refusal.hpp"

namespace reship::back {

const char* code_of(Refusal::Reason reason) {
  switch (reason) {
    case Refusal::Reason::unknown_scope: return "unknown_scope";
    case Refusal::Reason::shutting_down: return "shutting_down";
    case Refusal::Reason::storage_error: return "storage_error";
    case Refusal::Reason::not_found: return "not_found";
    case Refusal::Reason::already_finished: return "already_finished";
    case Refusal::Reason::restarting: return "restarting";
    case Refusal::Reason::idempotency_conflict: return "idempotency_conflict";
    case Refusal::Reason::locked: return "locked";
  }
  return "error";
}

}  // namespace reship::back
