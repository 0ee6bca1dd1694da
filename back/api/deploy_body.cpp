#include "back/api/deploy_body.hpp"

#include <array>
#include <string>
#include <vector>

#include "common/text/json_read.hpp"

namespace reship::api {

std::optional<ApiError> DeployBody::read_fields(simdjson::dom::object object, back::DeployRequest& request,
                                                std::span<const std::string_view> also) const {
  static constexpr std::array<std::string_view, 7> kFields = {"scope",         "mode",           "sessionId", "reason",
                                                               "cancelRunning", "idempotencyKey", "reload"};
  std::vector<std::string_view> known(kFields.begin(), kFields.end());
  known.insert(known.end(), also.begin(), also.end());
  common::JsonFields f(object);
  f.reject_unknown(std::span<const std::string_view>(known));
  if (auto scope = f.string("scope")) request.scope = std::string(*scope);
  auto mode = f.string("mode");
  if (auto s = f.string("sessionId")) request.session_id = std::string(*s);
  if (auto s = f.string("reason")) request.reason = std::string(*s);
  if (auto b = f.boolean("cancelRunning")) request.cancel_running = *b;
  if (auto b = f.boolean("reload")) request.reload = *b;
  const auto key = f.string("idempotencyKey");
  if (f.error()) return ApiError{400, "bad_request", *f.error()};
  if (key) {
    request.idempotency_key = std::string(*key);
    if (auto problem = back::idempotency_key_problem(request.idempotency_key)) {
      return ApiError{400, "bad_request", *problem};
    }
  }
  if (mode) {
    auto parsed = back::parse_mode(*mode);
    if (!parsed) {
      return ApiError{400, "unknown_mode", "unknown mode \"" + std::string(*mode) + "\"; modes: deploy, build, restart"};
    }
    request.mode = *parsed;
  }
  return std::nullopt;
}

std::optional<ApiError> DeployBody::take_key_header(std::optional<std::string_view> header, bool key_in_body,
                                                    back::DeployRequest& request) const {
  if (!header) return std::nullopt;
  if (key_in_body && request.idempotency_key != *header) {
    return ApiError{400, "bad_request",
                    "the Idempotency-Key header and the body's idempotencyKey differ; send the key once"};
  }
  request.idempotency_key = std::string(*header);
  if (auto problem = back::idempotency_key_problem(request.idempotency_key)) {
    return ApiError{400, "bad_request", *problem};
  }
  return std::nullopt;
}

std::optional<ApiError> DeployBody::check_scope(const back::DeployRequest& request, const Caller& caller) const {
  if (config_.find_scope(request.scope) == nullptr) {
    return ApiError{400, "unknown_scope",
                    "unknown scope \"" + request.scope + "\"; scopes: " + deploys_.scope_list()};
  }
  return auth_.check_scope(caller, request.scope);
}

}  // namespace reship::api
