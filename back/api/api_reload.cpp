// POST /api/v1/reload: reship-back reads its config file again (issue 22).

#include <spdlog/spdlog.h>

#include "back/api/api.hpp"
#include "common/text/json_writer.hpp"

namespace reship::api {

void Api::reload(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  auto caller = authenticate(req, ex);
  if (!caller) return;
  // New tokens, scopes and builds change who may do what: an unrestricted
  // token's power (or anyone's, on an open API, which listens on loopback
  // only).
  if (!caller->unrestricted && !auth_.open()) {
    respond_error(ex, {403, "forbidden", "token \"" + caller->name + "\" may not reload the config: that needs an "
                                         "unrestricted token"});
    return;
  }
  if (!parts_.reload) {
    respond_error(ex, {503, "unavailable", "this reship-back cannot reload its config; restart it instead"});
    return;
  }
  spdlog::info("reload of the config asked by {}", caller->name);
  const back::ConfigReload outcome = parts_.reload(true);
  common::JsonWriter w;
  if (!outcome.ok()) {
    w.begin_object().key("error").begin_object();
    w.field("code", "invalid_config");
    w.field("message", "the config has " + std::to_string(outcome.problems.size()) +
                           (outcome.problems.size() == 1 ? " problem" : " problems") +
                           "; nothing changed, reship-back goes on with the config it runs");
    w.field("problems", outcome.problems);
    w.end_object().end_object();
    respond_json(ex, 422, std::move(w).str());
    return;
  }
  w.begin_object().field("ok", true).field("changed", outcome.changed).field("needsRestart", outcome.needs_restart);
  w.end_object();
  respond_json(ex, 200, std::move(w).str());
}

}  // namespace reship::api
