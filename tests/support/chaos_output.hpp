#pragma once

// The output of a build that does everything a build may do to its log:
// many lines, some 1 MB long, some with invalid UTF-8, '\r' progress bars,
// and no newline at the very end. The test helper prints it; tests compute
// the same bytes to compare with the log.

#include <string>

namespace reship::test {

/// Line `i` (1-based) of the chaos output, without its newline.
inline std::string chaos_line(long i) {
  if (i % 50'000 == 0) return "long line " + std::to_string(i) + " " + std::string(1024 * 1024, 'L');
  if (i % 997 == 0) return "bad utf-8 here: \xFF\xFE and a cut \xE2\x82 sequence " + std::to_string(i);
  if (i % 1009 == 0) return "progress 10%\rprogress 50%\rprogress 100% " + std::to_string(i);
  std::string line = "line " + std::to_string(i) + " caf\xC3\xA9 ";
  line.resize(80, 'x');
  return line;
}

/// All `n` lines; the last one has no trailing newline.
inline std::string chaos_output(long n) {
  std::string out;
  for (long i = 1; i <= n; ++i) {
    out += chaos_line(i);
    if (i < n) out += '\n';
  }
  return out;
}

}  // namespace reship::test
