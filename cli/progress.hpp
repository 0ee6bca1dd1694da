#pragma once

#include <cstdint>
#include <string>

namespace reship::cli {

/// Prints a deploy's log lines, and on a terminal keeps a status line under
/// them: a spinner, the phase and the time elapsed, redrawn in place. Piped,
/// it prints plain lines only, so that logs and scripts read them as they are.
class Progress {
 public:
  /// `tty`: whether stdout is a terminal.
  Progress(bool tty, std::string deploy_id);

  void set_phase(std::string phase);
  /// Prints one line of the build's output above the status line.
  /// One line of the deploy's log; `from_reship` for reship's own (its
  /// stream "reship"), dimmed on a terminal. A build's bytes are kept.
  void line(const std::string& text, bool from_reship = false);
  /// Redraws the status line (call it every ~100 ms).
  void tick();
  /// Removes the status line, before the summary.
  void finish();

 private:
  void clear();
  void draw();

  bool tty_;
  std::string deploy_id_;
  std::string phase_ = "queued";
  int64_t started_ms_;
  unsigned frame_ = 0;
  bool drawn_ = false;
};

}  // namespace reship::cli
