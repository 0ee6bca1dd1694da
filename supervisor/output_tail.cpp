#include "supervisor/output_tail.hpp"

#include "common/text/utf8.hpp"

namespace reship::supervisor {

void OutputTail::add(uint64_t generation, std::string_view line) {
  // One line alone may not take the whole budget: keep its end, where errors
  // usually are, cut at a character boundary.
  if (line.size() > kMaxBytes / 2) {
    size_t start = line.size() - kMaxBytes / 2;
    while (start < line.size() && (static_cast<unsigned char>(line[start]) & 0xC0) == 0x80) ++start;
    line.remove_prefix(start);
  }
  lines_.push_back({generation, std::string(line)});
  bytes_ += line.size();
  while (lines_.size() > kMaxLines || bytes_ > kMaxBytes) {
    bytes_ -= lines_.front().text.size();
    lines_.pop_front();
  }
}

std::string OutputTail::text(uint64_t generation) const {
  std::string out;
  for (const auto& line : lines_) {
    if (line.generation != generation) continue;
    if (!out.empty()) out.push_back('\n');
    common::append_sanitized_utf8(out, line.text);
  }
  return out;
}

}  // namespace reship::supervisor
