// deploy_logs: bounded pages of a log that may be far larger than any
// answer (a 16 MB build log), with line numbers a model can cite.

#include "back/mcp/log_pages.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <string_view>

namespace reship::mcp {
namespace {

constexpr size_t kReadChunk = 1024 * 1024;
constexpr size_t kLinesPerRead = 1000;

// Calls fn(line_start_offset) for every line start in [0, end), reading the
// log in chunks.
template <class Fn>
void for_each_line_start(const back::LogStore& logs, const std::string& id, int64_t end, Fn&& fn) {
  if (end > 0) fn(int64_t{0});
  for (int64_t at = 0; at < end;) {
    int64_t size = 0;
    auto chunk = logs.read(id, at, std::min<size_t>(kReadChunk, static_cast<size_t>(end - at)), &size);
    if (!chunk || chunk->empty()) return;
    for (const char* p = chunk->data(); (p = static_cast<const char*>(std::memchr(
                                            p, '\n', chunk->size() - static_cast<size_t>(p - chunk->data())))) != nullptr;
         ++p) {
      const int64_t next = at + (p - chunk->data()) + 1;
      if (next < end) fn(next);
    }
    at += static_cast<int64_t>(chunk->size());
  }
}

int64_t lines_before(const back::LogStore& logs, const std::string& id, int64_t offset) {
  int64_t count = 0;
  for_each_line_start(logs, id, offset, [&](int64_t) { ++count; });
  return count;
}

std::vector<std::string> patterns_of(const std::string& grep) {
  std::vector<std::string> out;
  size_t from = 0;
  while (from <= grep.size()) {
    size_t bar = grep.find('|', from);
    if (bar == std::string::npos) bar = grep.size();
    std::string p = grep.substr(from, bar - from);
    std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!p.empty()) out.push_back(std::move(p));
    from = bar + 1;
  }
  return out;
}

bool matches(std::string_view line, const std::vector<std::string>& patterns) {
  std::string lower(line);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& p : patterns) {
    if (lower.find(p) != std::string::npos) return true;
  }
  return false;
}

// Adds a line to the page unless the page is full; false once it is.
bool add_line(LogPage& page, size_t& budget, const back::LogLine& line, int64_t number, size_t limit) {
  if (page.lines.size() >= limit) return false;
  std::string text = cut_line(line.text, kMaxLineBytes);
  // The first line always goes in (cut), so that a page is never empty.
  if (text.size() > budget && !page.lines.empty()) return false;
  budget -= std::min(budget, text.size());
  page.lines.push_back({number, line.offset, line.stream, std::move(text)});
  return true;
}

int64_t end_of(const back::LogLine& line, int64_t size) {
  return std::min<int64_t>(size, line.offset + static_cast<int64_t>(line.text.size()) + 1);
}

LogPage tail_page(const back::LogStore& logs, const std::string& id, const LogQuery& q, int64_t size) {
  LogPage page;
  page.size = size;
  page.next_offset = size;
  const size_t want = std::min(q.tail, q.limit);
  std::deque<int64_t> starts;
  int64_t total = 0;
  for_each_line_start(logs, id, size, [&](int64_t start) {
    ++total;
    starts.push_back(start);
    if (starts.size() > want) starts.pop_front();
  });
  if (starts.empty()) return page;
  const int64_t first_number = total - static_cast<int64_t>(starts.size()) + 1;
  auto lines = logs.lines(id, starts.front(), starts.size());
  // The end of the log matters most: past the budget, earlier lines go.
  size_t used = 0;
  size_t keep_from = lines.size();
  while (keep_from > 0) {
    const size_t cost = std::min(lines[keep_from - 1].text.size(), kMaxLineBytes);
    if (used + cost > kPageTextBudget && keep_from < lines.size()) break;
    used += cost;
    --keep_from;
  }
  size_t budget = kPageTextBudget * 2;  // already bounded above
  for (size_t i = keep_from; i < lines.size(); ++i) {
    add_line(page, budget, lines[i], first_number + static_cast<int64_t>(i), want);
  }
  return page;
}

}  // namespace

std::string cut_line(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  // Back to the start of a UTF-8 character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  const size_t left = text.size() - cut;
  text.resize(cut);
  text += "… [" + std::to_string(left) + " more bytes]";
  return text;
}

LogPage read_log_page(const back::LogStore& logs, const std::string& id, const LogQuery& q) {
  int64_t size = 0;
  (void)logs.read(id, 0, 0, &size);
  if (q.tail > 0) return tail_page(logs, id, q, size);

  LogPage page;
  page.size = size;
  page.next_offset = std::min(q.offset, size);
  int64_t number = lines_before(logs, id, page.next_offset) + 1;
  size_t budget = kPageTextBudget;
  const auto patterns = patterns_of(q.grep);
  const bool grepping = !patterns.empty();
  int64_t scanned = 0;
  bool full = false;
  while (!full && page.next_offset < size) {
    auto batch = logs.lines(id, page.next_offset, grepping ? kLinesPerRead : std::min(q.limit, kLinesPerRead));
    if (batch.empty()) break;
    for (const auto& line : batch) {
      if (!grepping || matches(line.text, patterns)) {
        if (!add_line(page, budget, line, number, q.limit)) {
          full = true;
          break;
        }
      }
      page.next_offset = end_of(line, size);
      ++number;
      scanned += static_cast<int64_t>(line.text.size()) + 1;
      if (grepping && scanned >= static_cast<int64_t>(kGrepScanBytes)) {
        full = true;
        break;
      }
    }
    if (!grepping && page.lines.size() >= q.limit) break;
  }
  page.more = page.next_offset < size;
  return page;
}

}  // namespace reship::mcp
