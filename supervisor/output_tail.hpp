#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace reship::supervisor {

/// The last lines a service printed (at most 50 lines and 8 KiB), kept so that
/// a failed restart can show why the service died without a shell on the host.
/// Lines are tagged with the start ("generation") of the process that printed
/// them, so the output of a failed start is not mixed with its predecessor's.
class OutputTail {
 public:
  static constexpr size_t kMaxLines = 50;
  static constexpr size_t kMaxBytes = 8 * 1024;

  void add(uint64_t generation, std::string_view line);
  /// The kept lines of `generation`, '\n'-joined, oldest first.
  std::string text(uint64_t generation) const;
  size_t bytes() const { return bytes_; }

 private:
  struct Line {
    uint64_t generation;
    std::string text;
  };
  std::deque<Line> lines_;
  size_t bytes_ = 0;
};

}  // namespace reship::supervisor
