#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "back/http/exchange.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::mcp {

/// What a tool answers: its structuredContent (JSON text; empty for none), a
/// short text for the model, and whether it is a tool error (bad arguments,
/// forbidden, a failed restart) the model may correct.
struct ToolResult {
  std::string structured;
  std::string text;
  bool is_error = false;
};

/// The result of tools/call as JSON text.
std::string tool_result_json(const ToolResult& result);
/// A tool error: the message the HTTP API would give, as the model's text.
ToolResult tool_error(std::string message);

/// One tools/call in flight. It answers once: as one JSON response, or, once
/// it has sent progress, as the last event of an SSE stream scoped to the
/// request (MCP Streamable HTTP). A cancelled call (notifications/cancelled,
/// or the client gone) stops waiting and answers nothing; what it waited for
/// (a deploy) goes on.
class ToolCall {
 public:
  /// `progress_token`: the request's _meta.progressToken as JSON text, if
  /// any; `may_stream`: the client accepts text/event-stream.
  ToolCall(uv_loop_t* loop, std::shared_ptr<http::Exchange> exchange, std::string id,
           std::optional<std::string> progress_token, bool may_stream);
  ~ToolCall();
  ToolCall(const ToolCall&) = delete;
  ToolCall& operator=(const ToolCall&) = delete;

  const std::string& id() const { return id_; }
  bool done() const { return done_; }
  /// Whether the caller asked for progress (and can receive it).
  bool wants_progress() const { return progress_token_.has_value() && may_stream_; }

  /// Sends notifications/progress (`progress` must grow from call to call).
  void progress(double progress, const std::string& message);
  /// Answers the call with its result.
  void finish(const ToolResult& result);
  /// Answers the call with a JSON-RPC error (an unknown tool).
  void fail(int code, const std::string& message);
  /// Stops waiting without an answer.
  void cancel();
  /// What to undo when the call ends before its wait did (forget the wait).
  void on_cancel(std::function<void()> fn) { on_cancel_ = std::move(fn); }
  /// A timer that lives as long as the call (the progress ticks).
  common::uv::Timer& ticker() { return ticker_; }

 private:
  void send(std::string message_json);
  void end();

  std::shared_ptr<http::Exchange> exchange_;
  std::string id_;
  std::optional<std::string> progress_token_;
  bool may_stream_;
  bool streaming_ = false;
  bool done_ = false;
  double last_progress_ = -1;
  std::function<void()> on_cancel_;
  common::uv::Timer ticker_;
};

}  // namespace reship::mcp
