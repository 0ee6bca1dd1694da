// The deploy lock routes: GET, POST and DELETE /api/v1/lock. A lock holds
// one lane (the one lane "main" without [lanes]); DeployService refuses new
// deploys of a locked lane and keeps its queued ones waiting.

#include <spdlog/spdlog.h>

#include "back/api/api.hpp"
#include "common/duration.hpp"
#include "common/text/escape.hpp"
#include "common/text/json_read.hpp"
#include "common/text/json_writer.hpp"

namespace reship::api {
namespace {

constexpr common::Millis kDefaultTtl{60 * 60'000};
constexpr common::Millis kMaxTtl{7 * 24 * 60 * 60'000};
constexpr size_t kMaxReason = 1000;

// What a lock request said: its lane, reason, ttl and cancelQueued, from
// the query and from a JSON body alike.
struct LockArgs {
  std::optional<std::string> lane;
  std::string reason;
  std::optional<std::string> ttl;
  bool cancel_queued = false;
};

std::optional<ApiError> read_lock_args(const http::Request& req, bool for_take, LockArgs& args) {
  if (auto lane = req.query("lane")) args.lane = std::string(*lane);
  if (auto cancel = req.query("cancelQueued")) args.cancel_queued = cancel->empty() || *cancel == "1" || *cancel == "true";
  const std::string& body = req.body();
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return std::nullopt;
  simdjson::dom::parser parser;
  auto element = common::parse_json(parser, body);
  simdjson::dom::object object;
  const char* example = for_take ? R"({"reason":"db migration","ttl":"30m"})" : R"({"cancelQueued":true})";
  if (!element) return ApiError{400, "bad_json", element.error().message + "; send a JSON object like " + example};
  if (element->get_object().get(object)) {
    return ApiError{400, "bad_request", std::string("the body must be a JSON object like ") + example};
  }
  common::JsonFields f(object);
  if (for_take) {
    f.reject_unknown({"lane", "reason", "ttl"});
  } else {
    f.reject_unknown({"lane", "cancelQueued"});
  }
  if (auto lane = f.string("lane")) args.lane = std::string(*lane);
  if (for_take) {
    if (auto reason = f.string("reason")) args.reason = std::string(*reason);
    if (auto ttl = f.string("ttl")) args.ttl = std::string(*ttl);
  } else if (auto cancel = f.boolean("cancelQueued")) {
    args.cancel_queued = *cancel;
  }
  if (f.error()) return ApiError{400, "bad_request", *f.error()};
  return std::nullopt;
}

std::string lane_names(const common::Config& config) {
  std::string names;
  for (const auto& [name, scopes] : config.lanes) names += (names.empty() ? "" : ", ") + name;
  return names;
}

// The lane a lock request names: without [lanes] the one lane; with them,
// the one it names.
std::variant<std::string, ApiError> lock_lane(const common::Config& config, const std::optional<std::string>& lane) {
  if (config.lanes.empty()) {
    if (!lane || *lane == common::kDefaultLane) return std::string(common::kDefaultLane);
    return ApiError{400, "bad_request",
                    "there are no [lanes] in the config: leave lane out (the one lane is \"main\")"};
  }
  if (!lane) {
    return ApiError{400, "bad_request",
                    "name the lane to lock with ?lane= or \"lane\" (lanes: " + lane_names(config) + ")"};
  }
  if (config.lanes.count(*lane) == 0) {
    return ApiError{400, "bad_request",
                    "unknown lane \"" + common::escape_controls(*lane) + "\"; lanes: " + lane_names(config)};
  }
  return *lane;
}

// A token may lock a lane it may deploy a scope of; an unrestricted one,
// any lane.
bool may_lock(const common::Config& config, const Caller& caller, const std::string& lane) {
  if (caller.token == nullptr || caller.unrestricted) return true;
  for (const auto& scope : caller.token->scopes) {
    if (config.lane_of(scope) == lane) return true;
  }
  return false;
}

}  // namespace

void Api::list_locks(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  if (!authenticate(req, ex)) return;
  auto& locks = parts_.deploys.locks();
  common::JsonWriter w(512);
  w.begin_object().key("locks").begin_array();
  for (const auto& lock : locks.all()) back::write_lock(w, lock);
  w.end_array().key("recent").begin_array();
  for (const auto& lock : locks.recent()) back::write_lock(w, lock);
  w.end_array().end_object();
  respond_json(ex, 200, std::move(w).str());
}

void Api::take_lock(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  auto caller = authenticate(req, ex);
  if (!caller) return;
  LockArgs args;
  if (auto error = read_lock_args(req, true, args)) return respond_error(ex, *error);
  auto lane = lock_lane(parts_.config, args.lane);
  if (auto* error = std::get_if<ApiError>(&lane)) return respond_error(ex, *error);
  const std::string& name = std::get<std::string>(lane);
  if (!may_lock(parts_.config, *caller, name)) {
    return respond_error(ex, {403, "forbidden",
                              "token \"" + caller->name + "\" may deploy no scope of lane \"" + name +
                                  "\", so it may not lock it"});
  }
  if (args.reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return respond_error(ex, {400, "bad_request",
                              "a lock needs a reason, for whoever it stops: {\"reason\":\"db migration\"}"});
  }
  if (args.reason.size() > kMaxReason) {
    return respond_error(ex, {400, "bad_request", "the reason is longer than 1000 bytes; say it in fewer words"});
  }
  // Shown to whoever the lock stops, in terminals too: one line of text.
  if (common::escape_controls(args.reason) != args.reason) {
    return respond_error(ex, {400, "bad_request",
                              "the reason must be one line of text, without control characters or invalid UTF-8"});
  }
  common::Millis ttl = kDefaultTtl;
  if (args.ttl) {
    auto parsed = common::parse_duration(*args.ttl);
    if (!parsed || parsed->count() <= 0 || *parsed > kMaxTtl) {
      return respond_error(ex, {400, "bad_request",
                                "ttl \"" + common::escape_controls(*args.ttl) +
                                    "\" is not a duration from 1s to 7d, like \"30m\" or \"2h\""});
    }
    ttl = *parsed;
  }
  auto& locks = parts_.deploys.locks();
  if (const auto* held = locks.held(name); held != nullptr && held->holder != caller->name) {
    ApiError error{423, "locked",
                   back::describe_lock(*held) + "; ask " + held->holder +
                       " to unlock it, or wait until then (an unrestricted token may break it)"};
    error.lock = *held;
    return respond_error(ex, error);
  }
  auto taken = locks.take(name, caller->name, args.reason, ttl);
  if (!taken) return respond_error(ex, {500, "storage_error", taken.error().message});
  common::JsonWriter w(512);
  w.begin_object().key("lock");
  back::write_lock(w, *taken);
  w.end_object();
  respond_json(ex, 200, std::move(w).str());
}

void Api::release_lock(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  auto caller = authenticate(req, ex);
  if (!caller) return;
  LockArgs args;
  if (auto error = read_lock_args(req, false, args)) return respond_error(ex, *error);
  auto lane = lock_lane(parts_.config, args.lane);
  if (auto* error = std::get_if<ApiError>(&lane)) return respond_error(ex, *error);
  const std::string& name = std::get<std::string>(lane);
  auto& locks = parts_.deploys.locks();
  const auto* held = locks.held(name);
  if (held == nullptr) return respond_error(ex, {409, "not_locked", "lane \"" + name + "\" is not locked"});
  const bool broken = held->holder != caller->name;
  if (broken && !(caller->unrestricted || caller->token == nullptr)) {
    return respond_error(ex, {403, "forbidden",
                              back::describe_lock(*held) + "; only " + held->holder +
                                  " or an unrestricted token may release it"});
  }
  // The queued deploys go first, the one queued behind the head before the
  // head, so that none of them starts in between.
  std::vector<std::string> cancelled;
  if (args.cancel_queued) {
    for (const auto& state : parts_.deploys.lanes()) {
      if (state.name != name) continue;
      std::vector<std::string> ids;
      if (state.queued) ids.push_back(*state.queued);
      if (state.head && !state.running) ids.push_back(*state.head);
      for (const auto& id : ids) {
        auto result = parts_.deploys.cancel(id, caller->name, "cancelled with the lock of lane " + name);
        if (std::holds_alternative<back::DeployRecord>(result)) cancelled.push_back(id);
      }
    }
  }
  auto released = locks.release(name, caller->name, broken);
  if (!released) return respond_error(ex, {500, "storage_error", released.error().message});
  common::JsonWriter w(512);
  w.begin_object().key("lock");
  back::write_lock(w, *released);
  w.field("cancelled", cancelled).end_object();
  respond_json(ex, 200, std::move(w).str());
}

}  // namespace reship::api
