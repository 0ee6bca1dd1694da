#include "back/mcp/json_rpc.hpp"

#include <simdjson.h>

#include "common/text/json_read.hpp"
#include "common/text/json_writer.hpp"

namespace reship::mcp {

std::variant<RpcMessage, RpcError> parse_rpc_message(std::string_view body) {
  simdjson::dom::parser parser;
  auto doc = common::parse_json(parser, body);
  if (!doc) return RpcError{rpc_code::parse_error, "not JSON: " + doc.error().message};
  if (doc->is_array()) {
    return RpcError{rpc_code::invalid_request,
                    "batches are not part of MCP since revision 2025-06-18; send one message per request"};
  }
  simdjson::dom::object object;
  if (doc->get_object().get(object)) return RpcError{rpc_code::invalid_request, "a message is a JSON object"};

  RpcMessage m;
  simdjson::dom::element id;
  const bool has_id = !object["id"].get(id);
  if (has_id) {
    // MCP ids are strings or integers, never null.
    if (!id.is_string() && !id.is_int64() && !id.is_uint64()) {
      return RpcError{rpc_code::invalid_request, "\"id\" must be a string or an integer"};
    }
    m.id = simdjson::minify(id);
  }
  const std::string id_or_null = has_id ? m.id : "null";
  std::string_view version;
  if (object["jsonrpc"].get(version) || version != "2.0") {
    return RpcError{rpc_code::invalid_request, "\"jsonrpc\" must be \"2.0\"", id_or_null};
  }
  simdjson::dom::element method;
  if (object["method"].get(method)) {
    if (!has_id || (object["result"].error() && object["error"].error())) {
      return RpcError{rpc_code::invalid_request, "a message has a \"method\", or a \"result\" or \"error\" and an \"id\"",
                      id_or_null};
    }
    m.kind = RpcMessage::Kind::response;
    return m;
  }
  std::string_view name;
  if (method.get(name)) return RpcError{rpc_code::invalid_request, "\"method\" must be a string", id_or_null};
  m.method = std::string(name);
  m.kind = has_id ? RpcMessage::Kind::request : RpcMessage::Kind::notification;
  simdjson::dom::element params;
  if (!object["params"].get(params)) {
    if (!params.is_object()) return RpcError{rpc_code::invalid_params, "\"params\" must be an object", id_or_null};
    m.params = simdjson::minify(params);
  }
  return m;
}

std::string rpc_result(std::string_view id, std::string_view result) {
  std::string out;
  out.reserve(result.size() + id.size() + 32);
  out += R"({"jsonrpc":"2.0","id":)";
  out += id;
  out += R"(,"result":)";
  out += result;
  out += '}';
  return out;
}

std::string rpc_error(std::string_view id, int code, std::string_view message) {
  common::JsonWriter w(message.size() + 64);
  w.begin_object().field("jsonrpc", "2.0").key("id").raw(id);
  w.key("error").begin_object().field("code", code).field("message", message).end_object().end_object();
  return std::move(w).str();
}

std::string rpc_notification(std::string_view method, std::string_view params) {
  common::JsonWriter w(params.size() + 64);
  w.begin_object().field("jsonrpc", "2.0").field("method", method).key("params").raw(params).end_object();
  return std::move(w).str();
}

}  // namespace reship::mcp
