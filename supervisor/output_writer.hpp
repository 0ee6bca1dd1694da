#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <spdlog/sinks/base_sink.h>

#include "common/os/uv_stream.hpp"

namespace reship::supervisor {

/// Writes to the supervisor's own stdout or stderr without ever blocking it:
/// terminals, pipes and sockets are written asynchronously, and when nobody
/// reads (a full pipe under `docker logs`, a stopped terminal), whole chunks
/// are dropped past a bound and the loss is reported once output flows again.
/// Regular files are written directly, as they never block for long.
class OutputWriter {
 public:
  static constexpr size_t kMaxQueued = 4 * 1024 * 1024;

  OutputWriter(uv_loop_t* loop, int fd);
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;

  /// Writes `text`, which should hold whole lines.
  void write(std::string text);
  /// Chunks dropped so far because the reader was too slow.
  size_t dropped() const { return dropped_total_; }

 private:
  void on_drained();

  int fd_;
  common::uv::Stream stream_;  // closed when writing synchronously
  size_t dropped_ = 0;         // since the last report
  size_t dropped_total_ = 0;
};

/// A spdlog sink that sends the supervisor's own log lines through an
/// OutputWriter, so that logging cannot block the loop either.
class OutputWriterSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit OutputWriterSink(OutputWriter& writer) : writer_(writer) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  OutputWriter& writer_;
};

}  // namespace reship::supervisor
