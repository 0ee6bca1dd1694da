#include "back/api/deploy_list.hpp"

namespace reship::api {

std::optional<ApiError> DeployList::read_status(std::string_view text, back::DeployStore::ListQuery& query) const {
  query.status = back::parse_status(text);
  if (query.status) return std::nullopt;
  return ApiError{400, "bad_request",
                  "unknown status \"" + std::string(text) +
                      "\"; statuses: queued, building, restarting, succeeded, failed, cancelled, interrupted"};
}

std::optional<ApiError> DeployList::read_commit(std::string_view text, back::DeployStore::ListQuery& query) const {
  std::string prefix;
  for (char c : text) prefix.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
  const bool hex = prefix.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!hex || prefix.size() < 4 || prefix.size() > 40) {
    return ApiError{400, "bad_request", "commit must be 4 to 40 hex digits of a commit hash, like ?commit=3f2a9c1"};
  }
  query.commit = std::move(prefix);
  return std::nullopt;
}

std::optional<ApiError> DeployList::check_empty(const back::DeployStore::ListQuery& query,
                                                const back::DeployStore::Page& page) const {
  if (!page.deploys.empty()) return std::nullopt;
  if (query.lane) {
    std::string names;
    bool known = false;
    for (const auto& lane : deploys_.lanes()) {
      names += (names.empty() ? "" : ", ") + lane.name;
      known = known || lane.name == *query.lane;
    }
    if (!known) return ApiError{400, "unknown_lane", "unknown lane \"" + *query.lane + "\"; lanes: " + names};
  }
  // A scope since removed from the config still has its history: only one
  // with no deploys on record either is refused.
  if (query.scope && config_.find_scope(*query.scope) == nullptr) {
    return ApiError{400, "unknown_scope", "unknown scope \"" + *query.scope + "\"; scopes: " + deploys_.scope_list()};
  }
  return std::nullopt;
}

std::string DeployList::page_json(const back::DeployStore::Page& page) const {
  std::string body;
  body.reserve(page.deploys.size() * 700 + 64);
  body += "{\"deploys\":[";
  for (size_t i = 0; i < page.deploys.size(); ++i) {
    if (i > 0) body += ',';
    body += back::record_json(page.deploys[i], {.durable = deploys_.durable(page.deploys[i].id)});
  }
  body += "],\"next\":";
  body += page.next ? "\"" + std::to_string(*page.next) + "\"" : "null";
  body += '}';
  return body;
}

}  // namespace reship::api
