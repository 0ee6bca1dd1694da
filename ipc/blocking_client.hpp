#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "common/duration.hpp"
#include "common/result.hpp"
#include "ipc/line_framer.hpp"
#include "ipc/messages.hpp"

namespace reship::ipc {

/// A blocking client of the control socket, for the CLI: one request at a
/// time, every wait bounded by a deadline.
class BlockingClient {
 public:
  ~BlockingClient();
  BlockingClient(BlockingClient&& other) noexcept;
  BlockingClient& operator=(BlockingClient&&) = delete;
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  /// Connects to the socket at `path`. The error says what failed and how
  /// ("cannot reach reship-supervisor at run/supervisor.sock: No such file or
  /// directory").
  static common::Result<BlockingClient> connect(const std::string& path);

  /// Sends `line` ('\n'-terminated) and calls on_reply for each reply with
  /// `id` until the final one, which is returned. Fails when the socket
  /// closes, a line is too long, or nothing final arrives within `timeout`.
  common::Result<Reply> request(const std::string& line, std::string_view id,
                                const std::function<void(const Reply&)>& on_reply, common::Millis timeout);

 private:
  BlockingClient(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::string path_;
  LineFramer framer_;
  simdjson::dom::parser parser_;
};

}  // namespace reship::ipc
