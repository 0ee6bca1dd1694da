#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/os/uv_stream.hpp"
#include "supervisor/output_tail.hpp"
#include "supervisor/output_writer.hpp"

namespace reship::supervisor {

/// Relays one output stream (stdout or stderr) of one child process: each
/// line goes to the supervisor's matching stream prefixed "[name] " (so that
/// `docker logs` reads well) and into the service's OutputTail.
class ChildOutput {
 public:
  /// The longest line relayed whole; longer ones are split.
  static constexpr size_t kMaxLine = 16 * 1024;

  /// Takes ownership of `read_fd`. `on_eof` runs once, when every writer of
  /// the pipe has closed it (the child and anything it left behind).
  ChildOutput(uv_loop_t* loop, int read_fd, const std::string& name, OutputWriter& writer, OutputTail& tail,
              uint64_t generation, std::function<void()> on_eof);
  ChildOutput(const ChildOutput&) = delete;
  ChildOutput& operator=(const ChildOutput&) = delete;

  uint64_t generation() const { return generation_; }
  bool open() const { return stream_.is_open(); }

 private:
  void on_data(std::string_view data);
  void emit(std::string_view line, std::string& batch);

  std::string prefix_;
  OutputWriter& writer_;
  OutputTail& tail_;
  uint64_t generation_;
  std::function<void()> on_eof_;
  std::string partial_;
  common::uv::Stream stream_;
};

}  // namespace reship::supervisor
