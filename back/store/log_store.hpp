#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "back/events/event_sources.hpp"
#include "common/result.hpp"

namespace reship::back {

/// Where a log line came from.
enum class LogStream : uint8_t { out = 1, err = 2, reship = 3 };
const char* stream_name(LogStream stream);  // "stdout", "stderr", "reship"

/// Writes one deploy's log as lines arrive: `<state_dir>/logs/<id>.log`, one
/// output line per line (so `tail -f` works), with ill-formed UTF-8 replaced.
/// Beside it, `<id>.idx` records for each run of lines its offset, stream and
/// time, so both stay available by offset without a byte of overhead per line.
class LogWriter {
 public:
  static common::Result<std::unique_ptr<LogWriter>> open(const std::filesystem::path& dir, const std::string& id);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  /// Starts a run of lines from one stream, read at one time.
  void begin(LogStream stream, int64_t at_ms);
  /// Adds a line to the run; returns its offset in the log.
  int64_t add(std::string_view line);
  /// Writes the run (one write). A failed write is kept as error() and the
  /// log stops growing; the deploy goes on.
  void end();

  int64_t bytes() const { return bytes_; }
  /// Set once a write failed ("No space left on device").
  const std::optional<std::string>& error() const { return error_; }

 private:
  LogWriter(int log_fd, int index_fd) : log_fd_(log_fd), index_fd_(index_fd) {}

  int log_fd_;
  int index_fd_;
  int64_t bytes_ = 0;
  std::string batch_;
  LogStream stream_ = LogStream::out;
  int64_t at_ms_ = 0;
  int64_t batch_offset_ = 0;
  std::optional<std::string> error_;
};

/// One line read back with its stream and time.
struct LogLine {
  int64_t offset = 0;
  LogStream stream = LogStream::out;
  int64_t at_ms = 0;
  std::string text;
};

/// The logs folder: reading logs back, their tails, and retention.
class LogStore final : public LogSource {
 public:
  LogStore(const std::filesystem::path& state_dir, size_t keep_logs);
  /// A reload's new [back] keep_logs, heeded at the next pruning.
  void set_keep_logs(size_t keep_logs) { keep_logs_ = keep_logs; }
  /// LogSource: what read() gives, "" when unreadable.
  std::string read_run(const std::string& deploy_id, int64_t offset, uint64_t bytes) const override;

  /// Creates the folder and counts the logs already there.
  common::Result<void> prepare();
  const std::filesystem::path& dir() const { return dir_; }
  common::Result<std::unique_ptr<LogWriter>> create(const std::string& id);

  /// Up to `limit` bytes from `offset`; `size` gets the log's current size.
  common::Result<std::string> read(const std::string& id, int64_t offset, size_t limit, int64_t* size) const;
  /// The last `max_bytes` of the log, cut at a line start, valid UTF-8.
  std::string tail(const std::string& id, size_t max_bytes) const;
  /// Up to `max_lines` lines from `offset` (a line start), with stream and time.
  std::vector<LogLine> lines(const std::string& id, int64_t offset, size_t max_lines) const;
  /// Whether a line of the log starts at `offset` (0, or just after a
  /// newline; the end of the log is where the next line will start).
  bool is_line_start(const std::string& id, int64_t offset) const;
  /// Calls fn(line) for each line of the last `max_bytes` of the log (from a
  /// line start), in order, reading it in chunks.
  void for_each_line(const std::string& id, size_t max_bytes,
                     const std::function<void(std::string_view)>& fn) const;
  /// Keeps the newest keep_logs logs of finished deploys (and every log in
  /// `active`), removing the older ones. Lists the folder only when there
  /// may be too many.
  void prune(const std::set<std::string>& active);

 private:
  std::filesystem::path dir_;
  size_t keep_logs_;
  size_t count_ = 0;  // logs in the folder, as far as this process knows
};

}  // namespace reship::back
