#pragma once

#include <map>
#include <memory>
#include <string>

#include "back/api/auth.hpp"
#include "back/api/metrics.hpp"
#include "back/http/exchange.hpp"
#include "back/http/request.hpp"
#include "back/mcp/tool_call.hpp"
#include "back/mcp/tools.hpp"

namespace reship::mcp {

/// The revisions of MCP this server speaks, newest first.
inline constexpr std::string_view kProtocolVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};

/// POST/DELETE /mcp: the Model Context Protocol over Streamable HTTP
/// (docs/mcp.md). Each POST carries one JSON-RPC message; a request is
/// answered with one JSON response, or with an SSE stream scoped to it once
/// it sends progress. Bearer tokens as for the HTTP API; an Origin other
/// than the server's own is refused (DNS rebinding).
///
/// Sessions only name who may cancel what: Mcp-Session-Id is handed out at
/// initialize, and a session id this instance does not know (it was
/// restarted by a deploy) is taken as it comes rather than refused, so that
/// an agent's deploy_wait goes on across reship-back's own restart.
class McpServer {
 public:
  McpServer(Tools::Parts parts, api::Metrics* metrics);
  ~McpServer();
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  void post(http::Request& request, const std::shared_ptr<http::Exchange>& exchange);
  /// Ends a session: its calls stop waiting.
  void remove(http::Request& request, const std::shared_ptr<http::Exchange>& exchange);

 private:
  /// The checks every POST and DELETE goes through first: Origin, token,
  /// protocol version. Answers and returns nullopt when one fails.
  std::optional<api::Caller> admit(http::Request& request, const std::shared_ptr<http::Exchange>& exchange);
  void initialize(const std::string& id, const std::string& params, const std::shared_ptr<http::Exchange>& ex);
  void tools_call(const std::string& session, const std::string& id, const std::string& params,
                  const api::Caller& caller, http::Request& request, const std::shared_ptr<http::Exchange>& ex);
  void cancelled(const std::string& session, const std::string& params);
  void respond(const std::shared_ptr<http::Exchange>& ex, int status, std::string body,
               const http::Headers& headers = {});
  void respond_http_error(const std::shared_ptr<http::Exchange>& ex, const api::ApiError& error);

  uv_loop_t* loop_;
  const api::Authenticator& auth_;
  api::Metrics* metrics_;
  Tools tools_;
  /// Calls in flight by caller, session and request id, for
  /// notifications/cancelled.
  std::map<std::string, std::weak_ptr<ToolCall>> calls_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace reship::mcp
