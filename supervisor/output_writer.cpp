#include "supervisor/output_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace reship::supervisor {

OutputWriter::OutputWriter(uv_loop_t* loop, int fd) : fd_(fd) {
  // libuv takes ownership of what it is given: hand it a duplicate so that
  // closing the stream never closes the process's own stdout or stderr.
  const uv_handle_type type = uv_guess_handle(fd);
  if (type != UV_TTY && type != UV_NAMED_PIPE && type != UV_TCP) return;
  const int dup_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (dup_fd < 0) return;
  auto stream = type == UV_TTY ? common::uv::Stream::open_tty(loop, dup_fd) : common::uv::Stream::open_fd(loop, dup_fd);
  if (!stream) return;
  stream_ = std::move(*stream);
  stream_.on_drain([this] { on_drained(); });
}

void OutputWriter::write(std::string text) {
  if (text.empty()) return;
  if (!stream_.is_open()) {
    const char* p = text.data();
    size_t left = text.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      p += n;
      left -= static_cast<size_t>(n);
    }
    return;
  }
  if (stream_.write_queue_size() + text.size() > kMaxQueued) {
    ++dropped_;
    ++dropped_total_;
    return;
  }
  stream_.write(std::move(text));
}

void OutputWriter::on_drained() {
  if (dropped_ == 0) return;
  const size_t n = dropped_;
  dropped_ = 0;
  write("[reship-supervisor] dropped " + std::to_string(n) +
        " chunks of output while nobody read this stream\n");
}

void OutputWriterSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  writer_.write(std::string(formatted.data(), formatted.size()));
}

}  // namespace reship::supervisor
