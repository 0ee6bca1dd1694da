#include "back/api/api.hpp"

#include <spdlog/spdlog.h>

#include "back/api/origin.hpp"
#include "back/http/response.hpp"
#include "common/text/json_read.hpp"
#include "common/text/json_writer.hpp"
#include "common/time.hpp"

namespace reship::api {

Api::Api(Parts parts)
    : parts_(parts),
      auth_(parts.config.tokens),
      body_(parts.config, auth_, parts.deploys),
      list_(parts.config, parts.deploys),
      started_ms_(common::monotonic_ms()), catch_up_(parts.loop), trim_timer_(parts.loop) {
  using http::Exchange;
  using http::Request;
  using Ex = std::shared_ptr<Exchange>;
  router_.add("POST", "/api/v1/self/deploy", [this](Request& r, const Ex& e, const Params&) { self_deploy(r, e); });
  router_.add("POST", "/api/v1/deploys", [this](Request& r, const Ex& e, const Params&) { create_deploy(r, e); });
  router_.add("GET", "/api/v1/deploys", [this](Request& r, const Ex& e, const Params&) { list_deploys(r, e); });
  router_.add("GET", "/api/v1/deploys/{id}", [this](Request& r, const Ex& e, const Params& p) { get_deploy(r, e, p); });
  router_.add("GET", "/api/v1/deploys/{id}/log",
              [this](Request& r, const Ex& e, const Params& p) { get_log(r, e, p); });
  router_.add("GET", "/api/v1/deploys/{id}/lines",
              [this](Request& r, const Ex& e, const Params& p) { get_lines(r, e, p); });
  router_.add("POST", "/api/v1/deploys/{id}/cancel",
              [this](Request& r, const Ex& e, const Params& p) { cancel_deploy(r, e, p); });
  router_.add("GET", "/api/v1/events", [this](Request& r, const Ex& e, const Params&) { events(r, e); });
  router_.add("GET", "/api/v1/ws", [this](Request& r, const Ex& e, const Params&) { websocket(r, e); });
  router_.add("GET", "/api/v1/services", [this](Request& r, const Ex& e, const Params&) { services(r, e); });
  router_.add("POST", "/api/v1/services/{name}/restart",
              [this](Request& r, const Ex& e, const Params& p) { restart_service(r, e, p); });
  router_.add("POST", "/api/v1/reload", [this](Request& r, const Ex& e, const Params&) { reload(r, e); });
  router_.add("GET", "/api/v1/lanes", [this](Request& r, const Ex& e, const Params&) { lanes(r, e); });
  router_.add("GET", "/api/v1/lock", [this](Request& r, const Ex& e, const Params&) { list_locks(r, e); });
  router_.add("POST", "/api/v1/lock", [this](Request& r, const Ex& e, const Params&) { take_lock(r, e); });
  router_.add("DELETE", "/api/v1/lock", [this](Request& r, const Ex& e, const Params&) { release_lock(r, e); });
  router_.add("GET", "/healthz", [this](Request& r, const Ex& e, const Params&) { healthz(r, e); });
  router_.add("GET", "/metrics", [this](Request& r, const Ex& e, const Params&) { metrics(r, e); });
  router_.add("GET", "/", [this](Request& r, const Ex& e, const Params&) { ui_file(r, e, "index.html"); });
  router_.add("GET", "/ui/{file}", [this](Request& r, const Ex& e, const Params& p) { ui_file(r, e, p.at("file")); });
}

Api::~Api() {
  close_streams();
}

void Api::handle(http::Request& request, const std::shared_ptr<http::Exchange>& exchange) {
  router_.dispatch(request, exchange);
}

// ---- helpers ------------------------------------------------------------------------

void Api::respond_json(const std::shared_ptr<http::Exchange>& ex, int status, std::string body,
                       const http::Headers& headers) {
  metrics_.http_request(status);
  body.push_back('\n');
  ex->respond(status, "application/json", std::move(body), headers);
}

void Api::respond_error(const std::shared_ptr<http::Exchange>& ex, const ApiError& error) {
  metrics_.http_request(error.http_status);
  http::Headers headers;
  if (error.http_status == 401) headers.push_back({"WWW-Authenticate", "Bearer"});
  // 503s are all passing (reship-back stopping or restarting): say when to
  // come back.
  if (error.http_status == 503) headers.push_back({"Retry-After", "1"});
  if (error.deploy_id.empty() && !error.lock) {
    ex->respond_error(error.http_status, error.code, error.message, headers);
    return;
  }
  // Headers hold views: the text lives here until the answer is sent.
  const std::string location = "/api/v1/deploys/" + error.deploy_id;
  if (!error.deploy_id.empty()) headers.push_back({"Location", location});
  common::JsonWriter w(256 + error.message.size());
  w.begin_object().key("error").begin_object().field("code", error.code).field("message", error.message);
  if (error.lock) {
    w.key("lock");
    back::write_lock(w, *error.lock);
  }
  w.end_object();
  if (!error.deploy_id.empty()) w.field("deployId", error.deploy_id);
  w.end_object();
  std::string body = std::move(w).str();
  body.push_back('\n');
  ex->respond(error.http_status, "application/json", std::move(body), headers);
}

std::optional<Caller> Api::authenticate(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  // A web page of another site may not drive reship-back from a browser
  // (a cross-site POST needs no preflight).
  if (auto problem = origin_problem(req.header("origin"), req.header("host").value_or(""), auth_.open())) {
    respond_error(ex, {403, "forbidden_origin", *problem});
    return std::nullopt;
  }
  auto result = auth_.authenticate(req.header("authorization"));
  if (auto* error = std::get_if<ApiError>(&result)) {
    respond_error(ex, *error);
    return std::nullopt;
  }
  return std::get<Caller>(result);
}

bool Api::valid_id(const std::string& id, const std::shared_ptr<http::Exchange>& ex) {
  if (back::is_valid_deploy_id(id)) return true;
  respond_error(ex, not_a_deploy_id());
  return false;
}

std::string Api::deploy_json(const back::DeployRecord& record, bool coalesced, bool with_tail,
                             const std::vector<std::string>* warnings) {
  const bool durable = parts_.deploys.durable(record.id);
  if (!with_tail) return back::record_json(record, {coalesced, nullptr, warnings, durable});
  const std::string tail = parts_.logs.tail(record.id, parts_.config.back.log_tail_bytes);
  return back::record_json(record, {coalesced, &tail, warnings, durable});
}

std::optional<back::DeployRequest> Api::parse_deploy_body(http::Request& req, const std::shared_ptr<http::Exchange>& ex,
                                                          const Caller& caller) {
  back::DeployRequest request;
  request.requested_by = caller.name;
  request.unrestricted = caller.unrestricted;
  const std::string& body = req.body();
  const bool blank = body.find_first_not_of(" \t\r\n") == std::string::npos;
  std::optional<ApiError> error;
  if (!blank) {
    simdjson::dom::parser parser;
    auto element = common::parse_json(parser, body);
    simdjson::dom::object object;
    if (!element) {
      error = ApiError{400, "bad_json", element.error().message + "; send a JSON object like {\"scope\":\"platform\"}"};
    } else if (element->get_object().get(object)) {
      error = ApiError{400, "bad_request", "the body must be a JSON object like {\"scope\":\"platform\"}"};
    } else {
      error = body_.read_fields(object, request);
    }
  }
  if (!error) error = body_.take_key_header(req.header("idempotency-key"), !request.idempotency_key.empty(), request);
  if (!error) error = body_.check_scope(request, caller);
  if (error) {
    respond_error(ex, *error);
    return std::nullopt;
  }
  return request;
}

}  // namespace reship::api
