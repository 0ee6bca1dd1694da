// The deploy routes: create (synchronous or 202), list, get, log, cancel.

#include <charconv>

#include "back/api/api.hpp"
#include "common/text/json_read.hpp"
#include "common/text/json_writer.hpp"
#include "common/time.hpp"

namespace reship::api {
namespace {

constexpr size_t kDefaultLogLimit = 1024 * 1024;
constexpr size_t kMaxLogLimit = 8 * 1024 * 1024;
constexpr int64_t kMaxWaitSeconds = 600;

// Parses a non-negative integer query parameter; nullopt when absent, and
// `bad` set when present but not a number in [lo, hi].
std::optional<int64_t> int_param(const http::Request& req, std::string_view name, int64_t lo, int64_t hi, bool& bad) {
  auto text = req.query(name);
  if (!text) return std::nullopt;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < lo || value > hi) {
    bad = true;
    return std::nullopt;
  }
  return value;
}

bool flag_param(const http::Request& req, std::string_view name) {
  auto v = req.query(name);
  return v && (v->empty() || *v == "1" || *v == "true");
}

}  // namespace

namespace {

// Said on every answer to a retry that joined the deploy its Idempotency-Key
// made.
http::Headers replay_headers(bool replayed) {
  if (!replayed) return {};
  return {{"Idempotent-Replayed", "true"}};
}

}  // namespace

void Api::self_deploy(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  auto caller = authenticate(req, ex);
  if (!caller) return;
  auto request = parse_deploy_body(req, ex, *caller);
  if (!request) return;
  bool bad = false;
  const auto wait = int_param(req, "wait", 0, kMaxWaitSeconds, bad);
  if (bad) {
    respond_error(ex, {400, "bad_request", "wait must be a number of seconds from 0 to 600"});
    return;
  }
  if (wait) {
    deploy_and_wait(*request, ex, common::Millis(*wait * 1000));
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  // The deploy may end inside submit() (a retry of one that has ended), before
  // what submit() returns (warnings, replayed) is known: then the answer waits
  // for submit() to return.
  struct Answer {
    bool submitted = false;
    back::DeployService::Submitted info;
    std::optional<std::pair<back::DeployRecord, bool>> early;
  };
  auto answer = std::make_shared<Answer>();
  auto respond_final = [this, ex, answer](const back::DeployRecord& r, bool coalesced) {
    if (!back::is_final(r.status)) {
      // reship-back is stopping (or restarting itself) before this deploy
      // could start: it stays queued and the next instance runs it.
      respond_error(ex, {503, "restarting",
                         "reship-back is restarting; deploy " + r.id +
                             " stays queued and runs when it is back: GET /api/v1/deploys/" + r.id + "?wait=600",
                         r.id});
      return;
    }
    respond_json(ex, back::http_status_of(r.status), deploy_json(r, coalesced, true, &answer->info.warnings),
                 replay_headers(answer->info.replayed));
  };
  // One answer, when the deploy ends. If the client leaves first, the deploy
  // goes on and answering the closed exchange does nothing.
  auto result = parts_.deploys.submit(*request, [alive, answer, respond_final](const back::DeployRecord& r,
                                                                              bool coalesced) {
    if (alive.expired()) return;
    if (!answer->submitted) {
      answer->early.emplace(r, coalesced);
      return;
    }
    respond_final(r, coalesced);
  });
  if (auto* refused = std::get_if<back::Refusal>(&result)) {
    respond_error(ex, api_error(*refused));
    return;
  }
  answer->submitted = true;
  answer->info = std::get<back::DeployService::Submitted>(result);
  if (answer->early) respond_final(answer->early->first, answer->early->second);
}

void Api::deploy_and_wait(const back::DeployRequest& request, const std::shared_ptr<http::Exchange>& ex,
                          common::Millis wait) {
  auto result = parts_.deploys.submit(request, nullptr);
  if (auto* refused = std::get_if<back::Refusal>(&result)) {
    respond_error(ex, api_error(*refused));
    return;
  }
  auto submitted = std::get<back::DeployService::Submitted>(result);
  const std::string id = submitted.id;
  std::weak_ptr<bool> alive = alive_;
  // The outcome if the deploy ends within `wait`; else 202 and where to ask
  // again, as POST /api/v1/deploys answers at once.
  const uint64_t key =
      parts_.deploys.wait(id, wait, [this, alive, ex, submitted](std::optional<back::DeployRecord> record) {
        if (alive.expired()) return;
        if (!record) {
          respond_error(ex, {500, "storage_error", "deploy " + submitted.id + " was created but cannot be read back"});
          return;
        }
        auto headers = replay_headers(submitted.replayed);
        if (back::is_final(record->status)) {
          respond_json(ex, back::http_status_of(record->status),
                       deploy_json(*record, submitted.coalesced, true, &submitted.warnings), headers);
          return;
        }
        const std::string location = "/api/v1/deploys/" + submitted.id;
        headers.push_back({"Location", location});
        respond_json(ex, 202, deploy_json(*record, submitted.coalesced, false, &submitted.warnings), headers);
      });
  if (key == 0) return;
  ex->on_close([this, alive, id, key] {
    if (!alive.expired()) parts_.deploys.cancel_wait(id, key);
  });
}

void Api::create_deploy(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  auto caller = authenticate(req, ex);
  if (!caller) return;
  auto request = parse_deploy_body(req, ex, *caller);
  if (!request) return;
  auto result = parts_.deploys.submit(*request, nullptr);
  if (auto* refused = std::get_if<back::Refusal>(&result)) {
    respond_error(ex, api_error(*refused));
    return;
  }
  const auto& submitted = std::get<back::DeployService::Submitted>(result);
  auto record = parts_.deploys.get(submitted.id);
  if (!record) {
    respond_error(ex, {500, "storage_error", "deploy " + submitted.id + " was created but cannot be read back"});
    return;
  }
  auto headers = replay_headers(submitted.replayed);
  const std::string location = "/api/v1/deploys/" + submitted.id;
  headers.push_back({"Location", location});
  respond_json(ex, 202, deploy_json(*record, submitted.coalesced, false, &submitted.warnings), headers);
}

void Api::list_deploys(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  if (!authenticate(req, ex)) return;
  back::DeployStore::ListQuery query;
  if (auto status = req.query("status"); status && !status->empty()) {
    if (auto error = list_.read_status(*status, query)) {
      respond_error(ex, *error);
      return;
    }
  }
  if (auto scope = req.query("scope"); scope && !scope->empty()) query.scope = std::string(*scope);
  if (auto lane = req.query("lane"); lane && !lane->empty()) query.lane = std::string(*lane);
  if (auto commit = req.query("commit"); commit && !commit->empty()) {
    if (auto error = list_.read_commit(*commit, query)) {
      respond_error(ex, *error);
      return;
    }
  }
  bool bad = false;
  if (auto limit = int_param(req, "limit", 1, 100, bad)) query.limit = static_cast<int>(*limit);
  if (bad) {
    respond_error(ex, {400, "bad_request", "limit must be a number from 1 to 100"});
    return;
  }
  if (auto before = req.query("before"); before && !before->empty()) {
    query.before = int_param(req, "before", 1, INT64_MAX, bad);
    if (bad) {
      respond_error(ex, {400, "bad_request", "before must be the \"next\" cursor of a previous page"});
      return;
    }
  }
  auto page = parts_.deploys.list(query);
  if (auto error = list_.check_empty(query, page)) {
    respond_error(ex, *error);
    return;
  }
  respond_json(ex, 200, list_.page_json(page));
}

void Api::get_deploy(http::Request& req, const std::shared_ptr<http::Exchange>& ex, const Params& params) {
  if (!authenticate(req, ex)) return;
  const std::string id = params.at("id");
  if (!valid_id(id, ex)) return;
  bool bad = false;
  const auto wait = int_param(req, "wait", 0, kMaxWaitSeconds, bad);
  if (bad) {
    respond_error(ex, {400, "bad_request", "wait must be a number of seconds from 0 to 600"});
    return;
  }
  const bool tail = flag_param(req, "tail");
  if (wait && *wait > 0 && parts_.deploys.is_active(id)) {
    std::weak_ptr<bool> alive = alive_;
    const uint64_t key = parts_.deploys.wait(id, common::Millis(*wait * 1000),
                                             [this, alive, ex, tail](std::optional<back::DeployRecord> record) {
                                               if (alive.expired()) return;
                                               if (!record) {
                                                 respond_error(ex, {404, "not_found", "no such deploy"});
                                                 return;
                                               }
                                               respond_json(ex, 200, deploy_json(*record, false, tail));
                                             });
    // A caller that leaves does not keep its wait (and its timer) alive.
    ex->on_close([this, alive, id, key] {
      if (!alive.expired()) parts_.deploys.cancel_wait(id, key);
    });
    return;
  }
  auto record = parts_.deploys.get(id);
  if (!record) {
    respond_error(ex, {404, "not_found", "no deploy " + id});
    return;
  }
  respond_json(ex, 200, deploy_json(*record, false, tail));
}

void Api::get_log(http::Request& req, const std::shared_ptr<http::Exchange>& ex, const Params& params) {
  if (!authenticate(req, ex)) return;
  const std::string id = params.at("id");
  if (!valid_id(id, ex)) return;
  bool bad = false;
  const int64_t offset = int_param(req, "offset", 0, INT64_MAX, bad).value_or(0);
  const int64_t limit = int_param(req, "limit", 1, static_cast<int64_t>(kMaxLogLimit), bad)
                            .value_or(static_cast<int64_t>(kDefaultLogLimit));
  if (bad) {
    respond_error(ex, {400, "bad_request", "offset must be a byte offset (>= 0) and limit from 1 to 8388608"});
    return;
  }
  auto record = parts_.deploys.get(id);
  if (!record) {
    respond_error(ex, {404, "not_found", "no deploy " + id});
    return;
  }
  if (flag_param(req, "follow")) {
    follow_log(ex, id, offset);
    return;
  }
  int64_t size = 0;
  auto bytes = parts_.logs.read(id, offset, static_cast<size_t>(limit), &size);
  // A deploy that has not started yet has no log: an empty one, not a 404.
  std::string text = bytes ? std::move(*bytes) : std::string();
  // Past the end, the next offset is the end: where new output will be.
  const std::string next = std::to_string(std::min(offset, size) + static_cast<int64_t>(text.size()));
  const std::string total = std::to_string(size);
  const std::string status = back::status_name(record->status);
  metrics_.http_request(200);
  ex->respond(200, "text/plain; charset=utf-8", std::move(text),
              {{"X-Log-Next-Offset", next}, {"X-Log-Size", total}, {"X-Deploy-Status", status}});
}

void Api::get_lines(http::Request& req, const std::shared_ptr<http::Exchange>& ex, const Params& params) {
  if (!authenticate(req, ex)) return;
  const std::string id = params.at("id");
  if (!valid_id(id, ex)) return;
  bool bad = false;
  const int64_t offset = int_param(req, "offset", 0, INT64_MAX, bad).value_or(0);
  const int64_t limit = int_param(req, "limit", 1, 10'000, bad).value_or(1000);
  if (bad) {
    respond_error(ex, {400, "bad_request", "offset must be a line's byte offset (>= 0) and limit from 1 to 10000"});
    return;
  }
  if (!parts_.deploys.get(id)) {
    respond_error(ex, {404, "not_found", "no deploy " + id});
    return;
  }
  if (!parts_.logs.is_line_start(id, offset)) {
    respond_error(ex, {400, "bad_request",
                       "offset " + std::to_string(offset) +
                           " is not where a line starts: use 0, a line's \"offset\" or the \"next\" of a previous page"});
    return;
  }
  const auto lines = parts_.logs.lines(id, offset, static_cast<size_t>(limit));
  common::JsonWriter w(lines.size() * 128 + 64);
  w.begin_object().key("lines").begin_array();
  int64_t next = offset;
  for (const auto& line : lines) {
    w.begin_object()
        .field("offset", line.offset)
        .field("stream", back::stream_name(line.stream))
        .field("at", common::iso8601_utc(line.at_ms))
        .field("text", line.text)
        .end_object();
    next = line.offset + static_cast<int64_t>(line.text.size()) + 1;
  }
  w.end_array().field("next", next).end_object();
  respond_json(ex, 200, std::move(w).str());
}

void Api::cancel_deploy(http::Request& req, const std::shared_ptr<http::Exchange>& ex, const Params& params) {
  auto caller = authenticate(req, ex);
  if (!caller) return;
  const std::string id = params.at("id");
  if (!valid_id(id, ex)) return;
  auto record = parts_.deploys.get(id);
  if (!record) {
    respond_error(ex, {404, "not_found", "no deploy " + id});
    return;
  }
  if (auto denied = auth_.check_scope(*caller, record->scope)) {
    respond_error(ex, *denied);
    return;
  }
  // An optional body: {"reason": "..."}, kept in the record and the event.
  std::string reason;
  if (req.body().find_first_not_of(" \t\r\n") != std::string::npos) {
    simdjson::dom::parser parser;
    auto element = common::parse_json(parser, req.body());
    simdjson::dom::object object;
    if (!element || element->get_object().get(object)) {
      respond_error(ex, {400, "bad_request", "the body, when sent, is a JSON object like {\"reason\":\"...\"}"});
      return;
    }
    common::JsonFields f(object);
    f.reject_unknown({"reason"});
    if (auto r = f.string("reason")) reason = std::string(*r);
    if (f.error()) {
      respond_error(ex, {400, "bad_request", *f.error()});
      return;
    }
  }
  auto result = parts_.deploys.cancel(id, caller->name, reason);
  if (auto* refused = std::get_if<back::Refusal>(&result)) {
    respond_error(ex, api_error(*refused));
    return;
  }
  const auto& cancelled = std::get<back::DeployRecord>(result);
  respond_json(ex, 200, back::record_json(cancelled, {.durable = parts_.deploys.durable(cancelled.id)}));
}

}  // namespace reship::api
