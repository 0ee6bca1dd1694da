#pragma once

#include <string_view>

namespace reship::mcp {

/// The longest a tool call waits for a deploy: below the 60 s after which
/// common MCP clients give up on a call.
inline constexpr int kMaxWaitSeconds = 50;

/// The result of tools/list: every tool with its inputSchema and
/// outputSchema (docs/mcp.md describes them for people).
std::string_view tools_list_json();

/// Whether `name` is one of the tools.
bool is_tool(std::string_view name);

}  // namespace reship::mcp
