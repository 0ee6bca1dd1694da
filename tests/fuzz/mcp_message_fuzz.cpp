// A POST /mcp body as McpServer reads it: one JSON-RPC message. Whatever the
// bytes, the answer built from what was read is valid JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <simdjson.h>

#include "back/mcp/json_rpc.hpp"
#include "back/mcp/log_pages.hpp"

namespace {

void require_json(const std::string& text) {
  simdjson::dom::parser parser;
  if (parser.parse(text).error()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = reship::mcp::parse_rpc_message(body);
  if (auto* error = std::get_if<reship::mcp::RpcError>(&parsed)) {
    require_json(reship::mcp::rpc_error(error->id, error->code, error->message));
  } else {
    const auto& m = std::get<reship::mcp::RpcMessage>(parsed);
    if (m.kind != reship::mcp::RpcMessage::Kind::notification && m.id.empty()) __builtin_trap();
    require_json("{\"params\":" + m.params + "}");
    if (!m.id.empty()) {
      require_json(reship::mcp::rpc_result(m.id, m.params));
      require_json(reship::mcp::rpc_error(m.id, -1, m.method));
    }
    require_json(reship::mcp::rpc_notification(m.method, m.params));
  }
  // A log line cut for an answer never grows past its bound and its note.
  const std::string cut = reship::mcp::cut_line(std::string(body), 64);
  if (size > 64 && cut.size() > 64 + 32) __builtin_trap();
  return 0;
}
