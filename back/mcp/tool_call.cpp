#include "back/mcp/tool_call.hpp"

#include "back/http/sse.hpp"
#include "back/mcp/json_rpc.hpp"
#include "common/text/json_writer.hpp"

namespace reship::mcp {

std::string tool_result_json(const ToolResult& result) {
  common::JsonWriter w(result.structured.size() + result.text.size() + 128);
  w.begin_object().key("content").begin_array();
  w.begin_object().field("type", "text").field("text", result.text).end_object();
  w.end_array();
  if (!result.structured.empty()) w.key("structuredContent").raw(result.structured);
  w.field("isError", result.is_error).end_object();
  return std::move(w).str();
}

ToolResult tool_error(std::string message) { return ToolResult{{}, std::move(message), true}; }

ToolCall::ToolCall(uv_loop_t* loop, std::shared_ptr<http::Exchange> exchange, std::string id,
                   std::optional<std::string> progress_token, bool may_stream)
    : exchange_(std::move(exchange)),
      id_(std::move(id)),
      progress_token_(std::move(progress_token)),
      may_stream_(may_stream),
      ticker_(loop) {}

ToolCall::~ToolCall() = default;

void ToolCall::progress(double progress, const std::string& message) {
  if (done_ || !wants_progress() || progress <= last_progress_) return;
  last_progress_ = progress;
  if (!streaming_) {
    // The first progress turns the answer into an SSE stream; no-store and
    // no proxy buffering, as for the event stream.
    if (!exchange_->begin_stream(200, "text/event-stream",
                                 {{"Cache-Control", "no-store"}, {"X-Accel-Buffering", "no"}})) {
      return;
    }
    streaming_ = true;
  }
  common::JsonWriter w(message.size() + 96);
  w.begin_object().key("progressToken").raw(*progress_token_).field("progress", progress);
  w.field("message", message).end_object();
  send(rpc_notification("notifications/progress", std::move(w).str()));
}

void ToolCall::finish(const ToolResult& result) {
  if (done_) return;
  std::string response = rpc_result(id_, tool_result_json(result));
  if (streaming_) {
    send(std::move(response));
  } else {
    exchange_->respond(200, "application/json", std::move(response) + "\n");
  }
  end();
}

void ToolCall::fail(int code, const std::string& message) {
  if (done_) return;
  std::string response = rpc_error(id_, code, message);
  if (streaming_) {
    send(std::move(response));
  } else {
    exchange_->respond(200, "application/json", std::move(response) + "\n");
  }
  end();
}

void ToolCall::cancel() {
  if (done_) return;
  if (on_cancel_) on_cancel_();
  // Nothing answers a cancelled request; the HTTP exchange still ends (202,
  // as for a message that needs no answer).
  if (!streaming_) exchange_->respond(202, "application/json", "");
  end();
}

void ToolCall::send(std::string message_json) {
  exchange_->write(http::format_sse_event("", "message", message_json));
}

void ToolCall::end() {
  done_ = true;
  on_cancel_ = nullptr;
  ticker_.stop();
  if (streaming_) exchange_->end();
}

}  // namespace reship::mcp
