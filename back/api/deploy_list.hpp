#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "back/api/api_error.hpp"
#include "back/engine/deploy_service.hpp"
#include "common/config/config.hpp"

namespace reship::api {

/// The list of deploys as GET /api/v1/deploys and MCP's deploys tool read
/// and answer it, so that both give the same checks, messages and JSON.
class DeployList {
 public:
  DeployList(const common::Config& config, const back::DeployService& deploys) : config_(config), deploys_(deploys) {}

  /// The status filter, or the 400 that lists the statuses.
  std::optional<ApiError> read_status(std::string_view text, back::DeployStore::ListQuery& query) const;
  /// The commit filter: a prefix of source.commit, 4 to 40 hex digits.
  std::optional<ApiError> read_commit(std::string_view text, back::DeployStore::ListQuery& query) const;
  /// An empty page for a scope or lane that is neither configured nor in
  /// the history is most likely a typo: the 400 that lists the valid ones.
  std::optional<ApiError> check_empty(const back::DeployStore::ListQuery& query,
                                      const back::DeployStore::Page& page) const;
  /// {"deploys":[records…],"next":"<cursor>"|null}
  std::string page_json(const back::DeployStore::Page& page) const;

 private:
  const common::Config& config_;
  const back::DeployService& deploys_;
};

}  // namespace reship::api
