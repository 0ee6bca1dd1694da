#include "cli/progress.hpp"

#include <cstdio>

#include "cli/cli_context.hpp"
#include "common/time.hpp"

namespace reship::cli {

Progress::Progress(bool tty, std::string deploy_id)
    : tty_(tty), deploy_id_(std::move(deploy_id)), started_ms_(common::monotonic_ms()) {}

void Progress::set_phase(std::string phase) {
  if (phase == phase_) return;
  phase_ = std::move(phase);
  if (tty_) draw();
}

void Progress::line(const std::string& text, bool from_reship) {
  if (tty_) clear();
  // reship's own lines are told apart by their stream, never by a prefix a
  // build could print; on a terminal they are dimmed.
  if (tty_ && from_reship) std::fputs("\x1b[2m", stdout);
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (tty_ && from_reship) std::fputs("\x1b[0m", stdout);
  std::fputc('\n', stdout);
  if (tty_) {
    draw();
  } else {
    std::fflush(stdout);
  }
}

void Progress::tick() {
  if (!tty_) return;
  ++frame_;
  draw();
}

void Progress::finish() {
  if (tty_) clear();
  std::fflush(stdout);
}

void Progress::clear() {
  if (!drawn_) return;
  std::fputs("\r\x1b[K", stdout);
  drawn_ = false;
}

void Progress::draw() {
  static const char* kSpinner[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
  clear();
  const int64_t elapsed = common::monotonic_ms() - started_ms_;
  std::fprintf(stdout, "\x1b[2m%s %-10s %s  %s\x1b[0m", kSpinner[frame_ % 10], phase_.c_str(),
               human_duration(elapsed).c_str(), deploy_id_.c_str());
  std::fflush(stdout);
  drawn_ = true;
}

}  // namespace reship::cli
