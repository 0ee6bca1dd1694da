#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "back/store/log_store.hpp"

namespace reship::mcp {

/// What deploy_logs asks for: a page of lines from `offset` (a line start),
/// or the last `tail` lines, or, with `grep`, only the lines that match.
struct LogQuery {
  int64_t offset = 0;
  size_t limit = 200;
  std::string grep;  // case-insensitive text; "a|b" matches either
  size_t tail = 0;   // > 0: the last `tail` lines instead
};

struct PagedLine {
  int64_t number = 0;  // 1 for the log's first line
  int64_t offset = 0;  // where the line starts
  back::LogStream stream = back::LogStream::out;
  std::string text;  // cut at kMaxLineBytes, saying how much was left out
};

struct LogPage {
  std::vector<PagedLine> lines;
  /// Where the following page starts (the log's size when none follows yet).
  int64_t next_offset = 0;
  int64_t size = 0;
  /// Lines past next_offset are already there.
  bool more = false;
};

/// An answer is meant to fit a model's context: at most this much line text
/// (about 6,000 tokens; the answer carries it twice, as text and structured,
/// well below the 25,000 tokens some clients cut at).
inline constexpr size_t kPageTextBudget = 24 * 1024;
/// A longer line is cut to this many bytes.
inline constexpr size_t kMaxLineBytes = 2000;
/// How much of the log one grep reads before it answers with what it found
/// so far (and a nextOffset to go on from).
inline constexpr size_t kGrepScanBytes = 64 * 1024 * 1024;

/// Reads one page of a deploy's log. `offset` must be a line start (the
/// caller checks it).
LogPage read_log_page(const back::LogStore& logs, const std::string& id, const LogQuery& query);

/// Cuts `text` to at most `max` bytes at a UTF-8 character boundary, saying
/// how many bytes were left out.
std::string cut_line(std::string text, size_t max);

}  // namespace reship::mcp
