#include "back/mcp/mcp_server.hpp"

#include <openssl/rand.h>

#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "back/api/origin.hpp"
#include "back/mcp/json_rpc.hpp"
#include "back/mcp/tool_catalog.hpp"
#include "common/text/escape.hpp"
#include "common/text/json_read.hpp"
#include "common/text/json_writer.hpp"
#include "reship/version.hpp"

namespace reship::mcp {
namespace {

std::string new_session_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // Not a secret (the token is): a clock-based id still names a session.
    const auto now = static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count());
    std::memcpy(bytes, &now, sizeof now);
    std::memcpy(bytes + 8, &now, sizeof now);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

bool supported(std::string_view version) {
  for (auto v : kProtocolVersions) {
    if (v == version) return true;
  }
  return false;
}

// Whether an Accept header takes `type` (or any type).
bool accepts(std::optional<std::string_view> accept, std::string_view type) {
  if (!accept) return false;
  std::string lower(*accept);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find(type) != std::string::npos || lower.find("*/*") != std::string::npos;
}

constexpr const char* kInstructions =
    "reship builds and restarts this platform. Call deploy after an edit: it waits up to 50 s and answers with the "
    "outcome (status, errorSummary, diagnostics with file:line, the end of the log). If the answer's status is still "
    "queued, building or restarting, call deploy_wait with its deployId until it is done; never start a second "
    "deploy for the same edit (pass an idempotencyKey to make retries safe). Read long logs with deploy_logs (grep, "
    "tail, pages).";

}  // namespace

McpServer::McpServer(Tools::Parts parts, api::Metrics* metrics)
    : loop_(parts.loop), auth_(parts.auth), metrics_(metrics), tools_(parts) {}

McpServer::~McpServer() {
  for (auto& [key, weak] : calls_) {
    if (auto call = weak.lock()) call->cancel();
  }
}

void McpServer::respond(const std::shared_ptr<http::Exchange>& ex, int status, std::string body,
                        const http::Headers& headers) {
  if (metrics_) metrics_->http_request(status);
  if (!body.empty()) body.push_back('\n');
  ex->respond(status, "application/json", std::move(body), headers);
}

void McpServer::respond_http_error(const std::shared_ptr<http::Exchange>& ex, const api::ApiError& error) {
  if (metrics_) metrics_->http_request(error.http_status);
  http::Headers headers;
  if (error.http_status == 401) headers.push_back({"WWW-Authenticate", "Bearer"});
  ex->respond_error(error.http_status, error.code, error.message, headers);
}

std::optional<api::Caller> McpServer::admit(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  if (auto problem = api::origin_problem(req.header("origin"), req.header("host").value_or(""), auth_.open())) {
    respond_http_error(ex, {403, "forbidden_origin", *problem});
    return std::nullopt;
  }
  auto result = auth_.authenticate(req.header("authorization"));
  if (auto* error = std::get_if<api::ApiError>(&result)) {
    respond_http_error(ex, *error);
    return std::nullopt;
  }
  if (auto version = req.header("mcp-protocol-version"); version && !supported(*version)) {
    respond_http_error(ex, {400, "unsupported_protocol_version",
                            "MCP-Protocol-Version " + common::escape_controls(*version) +
                                " is not spoken here; versions: 2025-11-25, 2025-06-18, 2025-03-26"});
    return std::nullopt;
  }
  return std::get<api::Caller>(result);
}

void McpServer::post(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  auto caller = admit(req, ex);
  if (!caller) return;
  auto parsed = parse_rpc_message(req.body());
  if (auto* error = std::get_if<RpcError>(&parsed)) {
    respond(ex, 400, rpc_error(error->id, error->code, error->message));
    return;
  }
  const auto& m = std::get<RpcMessage>(parsed);
  // Calls are named by who made them (token, session, request id): a
  // client never cancels another's call, whatever ids they both use.
  const std::string session = caller->name + "\n" + std::string(req.header("mcp-session-id").value_or(""));
  if (m.kind != RpcMessage::Kind::request) {
    // Notifications and responses need no answer but 202.
    if (m.method == "notifications/cancelled") cancelled(session, m.params);
    if (metrics_) metrics_->http_request(202);
    ex->respond(202, "application/json", "");
    return;
  }
  if (m.method == "initialize") return initialize(m.id, m.params, ex);
  if (m.method == "ping") return respond(ex, 200, rpc_result(m.id, "{}"));
  if (m.method == "tools/list") return respond(ex, 200, rpc_result(m.id, tools_list_json()));
  if (m.method == "tools/call") return tools_call(session, m.id, m.params, *caller, req, ex);
  respond(ex, 200,
          rpc_error(m.id, rpc_code::method_not_found,
                    "method \"" + common::escape_controls(m.method) +
                        "\" is not served here; methods: initialize, ping, tools/list, tools/call"));
}

void McpServer::initialize(const std::string& id, const std::string& params,
                           const std::shared_ptr<http::Exchange>& ex) {
  std::string version(kProtocolVersions[0]);
  simdjson::dom::parser parser;
  if (auto doc = common::parse_json(parser, params)) {
    std::string_view asked;
    // The client's version when spoken here, else the newest (the client
    // then decides whether it can go on).
    if (!(*doc)["protocolVersion"].get(asked) && supported(asked)) version = std::string(asked);
  }
  common::JsonWriter w(1024);
  w.begin_object().field("protocolVersion", version);
  w.key("capabilities").begin_object().key("tools").begin_object().field("listChanged", false).end_object();
  w.end_object();
  w.key("serverInfo").begin_object().field("name", "reship").field("title", "reship").field("version", kVersion);
  w.end_object();
  w.field("instructions", kInstructions).end_object();
  respond(ex, 200, rpc_result(id, std::move(w).str()), {{"Mcp-Session-Id", new_session_id()}});
}

void McpServer::tools_call(const std::string& session, const std::string& id, const std::string& params,
                           const api::Caller& caller, http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  simdjson::dom::parser parser;
  auto doc = common::parse_json(parser, params);
  std::string_view name;
  if (!doc || (*doc)["name"].get(name)) {
    return respond(ex, 200, rpc_error(id, rpc_code::invalid_params, "tools/call needs the tool's \"name\""));
  }
  if (!is_tool(name)) {
    return respond(ex, 200,
                   rpc_error(id, rpc_code::invalid_params,
                             "unknown tool \"" + common::escape_controls(name) + "\"; tools/list lists the tools"));
  }
  // Tools read their arguments before they return (they keep copies), so
  // the parsers only need to outlive tools_.call().
  simdjson::dom::parser empty_parser;
  simdjson::dom::object args;
  simdjson::dom::element given;
  if (!(*doc)["arguments"].get(given)) {
    if (given.get(args)) {
      return respond(ex, 200, rpc_error(id, rpc_code::invalid_params, "\"arguments\" must be an object"));
    }
  } else if (auto empty = common::parse_json(empty_parser, "{}"); !empty || empty->get(args)) {
    return respond(ex, 200, rpc_error(id, rpc_code::internal_error, "cannot make empty arguments"));
  }
  std::optional<std::string> token;
  simdjson::dom::element progress;
  if (!(*doc)["_meta"]["progressToken"].get(progress) && (progress.is_string() || progress.is_int64())) {
    token = simdjson::minify(progress);
  }
  auto call = std::make_shared<ToolCall>(loop_, ex, id, token, accepts(req.header("accept"), "text/event-stream"));
  if (metrics_) metrics_->http_request(200);
  const std::string key = session + "\n" + id;
  calls_[key] = call;
  std::weak_ptr<bool> alive = alive_;
  std::weak_ptr<ToolCall> weak = call;
  // A client gone is a cancel: the deploy goes on, the wait ends.
  ex->on_close([weak] {
    if (auto c = weak.lock()) c->cancel();
  });
  tools_.call(std::string(name), args, caller, call);
  // Forget finished calls now and then (the map holds weak handles only).
  std::erase_if(calls_, [](const auto& item) { return item.second.expired() || item.second.lock()->done(); });
}

void McpServer::cancelled(const std::string& session, const std::string& params) {
  simdjson::dom::parser parser;
  auto doc = common::parse_json(parser, params);
  simdjson::dom::element id;
  if (!doc || (*doc)["requestId"].get(id)) return;
  auto it = calls_.find(session + "\n" + std::string(simdjson::minify(id)));
  if (it == calls_.end()) return;
  if (auto call = it->second.lock()) {
    spdlog::info("mcp: call {} cancelled by its client; what it waited for goes on",
                 it->first.substr(session.size() + 1));
    call->cancel();
  }
  calls_.erase(it);
}

void McpServer::remove(http::Request& req, const std::shared_ptr<http::Exchange>& ex) {
  auto caller = admit(req, ex);
  if (!caller) return;
  const auto id = req.header("mcp-session-id");
  if (!id || id->empty()) {
    respond_http_error(ex, {400, "bad_request", "DELETE /mcp ends a session: send its Mcp-Session-Id"});
    return;
  }
  const std::string session = caller->name + "\n" + std::string(*id);
  const std::string prefix = session + "\n";
  for (auto it = calls_.begin(); it != calls_.end();) {
    if (it->first.compare(0, prefix.size(), prefix) == 0) {
      if (auto call = it->second.lock()) call->cancel();
      it = calls_.erase(it);
    } else {
      ++it;
    }
  }
  if (metrics_) metrics_->http_request(204);
  ex->respond(204, "application/json", "");
}

}  // namespace reship::mcp
