#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace reship::mcp {

/// JSON-RPC 2.0 error codes (and MCP's use of them).
namespace rpc_code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
}  // namespace rpc_code

/// One JSON-RPC message as MCP's Streamable HTTP transport POSTs it: a
/// request (method and id), a notification (method, no id), or a response
/// to a request of the server's (result or error, and id).
struct RpcMessage {
  enum class Kind { request, notification, response };
  Kind kind = Kind::request;
  std::string method;
  /// The id as JSON text (`7` or `"a1"`), to be sent back as it came; empty
  /// for a notification.
  std::string id;
  /// The params object as JSON text; "{}" when absent.
  std::string params = "{}";
};

/// Why a body is not a message we take, with the id to answer it under
/// ("null" when none could be read).
struct RpcError {
  int code;
  std::string message;
  std::string id = "null";
};

/// Reads one message. Batches (a JSON array) are refused: MCP dropped them
/// in revision 2025-06-18.
std::variant<RpcMessage, RpcError> parse_rpc_message(std::string_view body);

/// {"jsonrpc":"2.0","id":ID,"result":RESULT}; `result` is JSON text.
std::string rpc_result(std::string_view id, std::string_view result);
/// {"jsonrpc":"2.0","id":ID,"error":{"code":…,"message":…}}.
std::string rpc_error(std::string_view id, int code, std::string_view message);
/// {"jsonrpc":"2.0","method":…,"params":PARAMS}; `params` is JSON text.
std::string rpc_notification(std::string_view method, std::string_view params);

}  // namespace reship::mcp
