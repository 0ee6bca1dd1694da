#include "back/api/api_error.hpp"

namespace reship::api {
namespace {

int http_status_of(back::Refusal::Reason reason) {
  using Reason = back::Refusal::Reason;
  switch (reason) {
    case Reason::unknown_scope: return 400;
    case Reason::not_found: return 404;
    case Reason::already_finished:
    case Reason::restarting:
    case Reason::idempotency_conflict: return 409;
    case Reason::storage_error: return 500;
    case Reason::shutting_down: return 503;
    case Reason::locked: return 423;
  }
  return 500;
}

}  // namespace

ApiError not_a_deploy_id() {
  return {404, "not_found", "no deploy with that id (ids look like d-20261122-120301-7f3a9c)"};
}

ApiError api_error(const back::Refusal& refusal) {
  ApiError error{http_status_of(refusal.reason), back::code_of(refusal.reason), refusal.message, refusal.deploy_id};
  error.lock = refusal.lock;
  return error;
}

}  // namespace reship::api
