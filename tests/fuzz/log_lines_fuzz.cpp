// Fuzz target: a build's output on its way to logs, events and error
// summaries: LineSplitter (common/text/line_splitter.hpp), the UTF-8 and JSON string
// helpers (common/utf8.hpp, common/json_writer.hpp), ErrorCollector and
// clean_line (back/error_summary.hpp).
//
// Invariants:
// - LineSplitter gives the same lines whatever the chunking; no line is over
//   the cap; the lines joined with '\n' (none where the cap cut a line) give
//   back the input;
// - is_valid_utf8 agrees with a plain reference decoder (Unicode 15, table
//   3-7); sanitize_utf8 gives valid UTF-8, leaves valid text alone, and
//   replaces each maximal ill-formed subpart with one U+FFFD as the reference
//   does; utf8_safe_cut never cuts inside a character of valid text;
// - append_json_string gives a JSON string that simdjson reads back as the
//   sanitized text;
// - clean_line gives valid UTF-8 without escapes or control characters, at
//   most max_chars characters (plus an ellipsis); ErrorCollector keeps at most
//   kMaxKept lines; summaries stay valid UTF-8 within their byte caps.

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "back/engine/error_summary.hpp"
#include "common/text/line_splitter.hpp"
#include "common/text/json_writer.hpp"
#include "common/text/utf8.hpp"
#include "fuzz_support.hpp"

namespace {

using reship::fuzz::Chunker;
namespace back = reship::back;
namespace common = reship::common;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// ---- LineSplitter ------------------------------------------------------------

std::vector<std::string> split_whole(std::string_view bytes, size_t cap) {
  std::vector<std::string> lines;
  common::LineSplitter splitter(cap);
  const auto add = [&](std::string_view line) { lines.emplace_back(line); };
  splitter.feed(bytes, add);
  splitter.finish(add);
  return lines;
}

std::vector<std::string> split_in_pieces(std::string_view bytes, size_t cap, Chunker& chunker) {
  std::vector<std::string> lines;
  common::LineSplitter splitter(cap);
  const auto add = [&](std::string_view line) { lines.emplace_back(line); };
  chunker.split(bytes, [&](std::string_view piece) {
    splitter.feed(piece, add);
    FUZZ_CHECK(splitter.pending() <= cap);
    return true;
  });
  splitter.finish(add);
  FUZZ_CHECK(splitter.pending() == 0);
  return lines;
}

// Walks the input along the lines: each line is the next bytes, followed by
// '\n', by the end of the input, or by nothing when the cap cut it.
void check_lines_rebuild_input(std::string_view bytes, const std::vector<std::string>& lines, size_t cap) {
  size_t pos = 0;
  for (const auto& line : lines) {
    FUZZ_CHECK(line.size() <= cap);
    FUZZ_CHECK(bytes.substr(pos, line.size()) == line);
    FUZZ_CHECK(line.find('\n') == std::string::npos);
    pos += line.size();
    if (pos < bytes.size() && bytes[pos] == '\n') {
      ++pos;
    } else {
      FUZZ_CHECK(line.size() == cap || pos == bytes.size());
    }
  }
  FUZZ_CHECK(pos == bytes.size());
}

void check_splitter(std::string_view bytes, Chunker& chunker) {
  static constexpr size_t kCaps[] = {1, 2, 3, 7, 16, 80, common::LineSplitter::kDefaultMaxLine};
  const size_t cap = kCaps[chunker.random() % std::size(kCaps)];
  const auto whole = split_whole(bytes, cap);
  FUZZ_CHECK(split_in_pieces(bytes, cap, chunker) == whole);
  check_lines_rebuild_input(bytes, whole, cap);
}

// ---- UTF-8 -------------------------------------------------------------------

// A plain decoder after table 3-7 of the Unicode standard: the length of the
// well-formed sequence at text[i], or 0 with `subpart` set to the length of
// the maximal ill-formed subpart there.
size_t reference_sequence(std::string_view text, size_t i, size_t& subpart) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = at(i);
  subpart = 1;
  if (c < 0x80) return 1;
  size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c == 0xE0) {
    need = 2, lo = 0xA0;
  } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
    need = 2;
  } else if (c == 0xED) {
    need = 2, hi = 0x9F;
  } else if (c == 0xF0) {
    need = 3, lo = 0x90;
  } else if (c >= 0xF1 && c <= 0xF3) {
    need = 3;
  } else if (c == 0xF4) {
    need = 3, hi = 0x8F;
  } else {
    return 0;
  }
  size_t good = 0;
  while (good < need && i + 1 + good < text.size()) {
    const unsigned char next = at(i + 1 + good);
    const bool ok = good == 0 ? (next >= lo && next <= hi) : (next >= 0x80 && next <= 0xBF);
    if (!ok) break;
    ++good;
  }
  if (good == need) return need + 1;
  subpart = 1 + good;
  return 0;
}

bool reference_valid(std::string_view text) {
  size_t subpart = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t n = reference_sequence(text, i, subpart);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string reference_sanitize(std::string_view text) {
  std::string out;
  size_t subpart = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t n = reference_sequence(text, i, subpart);
    if (n == 0) {
      out.append(kReplacement);
      i += subpart;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

void check_utf8(std::string_view bytes, Chunker& chunker) {
  const bool valid = common::is_valid_utf8(bytes);
  FUZZ_CHECK(valid == reference_valid(bytes));
  const std::string clean = common::sanitize_utf8(bytes);
  FUZZ_CHECK(common::is_valid_utf8(clean));
  FUZZ_CHECK(clean == reference_sanitize(bytes));
  if (valid) FUZZ_CHECK(clean == bytes);
  FUZZ_CHECK(common::sanitize_utf8(clean) == clean);

  for (size_t i = 0; i < bytes.size(); ++i) {
    size_t subpart = 0;
    const size_t n = reference_sequence(bytes, i, subpart);
    FUZZ_CHECK(common::utf8_sequence_length(bytes, i) == n);
    if (n == 0) FUZZ_CHECK(common::utf8_maximal_subpart(bytes, i) == subpart);
  }

  const size_t max = static_cast<size_t>(chunker.random() % (clean.size() + 2));
  const size_t cut = common::utf8_safe_cut(clean, max);
  FUZZ_CHECK(cut <= max || (max >= clean.size() && cut == clean.size()));
  FUZZ_CHECK(common::is_valid_utf8(std::string_view(clean).substr(0, cut)));
  FUZZ_CHECK(cut + 3 >= std::min(max, clean.size()));
}

void check_json_string(std::string_view bytes) {
  static simdjson::dom::parser parser;
  std::string json;
  common::append_json_string(json, bytes);
  for (const char c : json) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20);
  std::string_view read;
  FUZZ_CHECK(!parser.parse(json).get_string().get(read));
  FUZZ_CHECK(read == common::sanitize_utf8(bytes));
}

// ---- error summaries ---------------------------------------------------------

size_t count_chars(std::string_view text) {
  size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void check_clean(const std::string& cleaned, size_t max_chars) {
  FUZZ_CHECK(common::is_valid_utf8(cleaned));
  for (const char c : cleaned) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 || c == '\t');
  FUZZ_CHECK(count_chars(cleaned) <= max_chars + 1);  // + "…"
}

void check_summaries(std::string_view bytes, const std::vector<std::string>& lines, Chunker& chunker) {
  back::ErrorCollector collector;
  for (const auto& line : lines) {
    collector.add(line);
    const size_t max_chars = 1 + static_cast<size_t>(chunker.random() % 300);
    check_clean(back::clean_line(line, max_chars), max_chars);
  }
  const auto telling = collector.telling_lines();
  FUZZ_CHECK(telling.size() <= back::ErrorCollector::kMaxKept);
  for (const auto& line : telling) check_clean(line, back::ErrorCollector::kMaxLineChars);

  const std::string build = back::build_failure_summary("exited with code 2", collector);
  FUZZ_CHECK(common::is_valid_utf8(build) && build.size() <= 1800 + 4);
  const std::string restart =
      back::restart_failure_summary("platform-back", "exited with code 1 before it was ready", std::string(bytes));
  FUZZ_CHECK(common::is_valid_utf8(restart) && restart.size() <= 900 + 4);

  const std::string text = common::sanitize_utf8(bytes);
  const size_t max = static_cast<size_t>(chunker.random() % (text.size() + 2));
  const std::string capped = back::cap_summary(text, max);
  FUZZ_CHECK(common::is_valid_utf8(capped));
  if (text.size() <= max) {
    FUZZ_CHECK(capped == text);
  } else {
    constexpr std::string_view kMore = "\n…";
    FUZZ_CHECK(capped.size() <= max + kMore.size());
    FUZZ_CHECK(std::string_view(capped).substr(capped.size() - kMore.size()) == kMore);
    FUZZ_CHECK(text.compare(0, capped.size() - kMore.size(), capped, 0, capped.size() - kMore.size()) == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = reship::fuzz::as_text(data, size);
  Chunker chunker(bytes);
  check_splitter(bytes, chunker);
  check_utf8(bytes, chunker);
  check_json_string(bytes);
  check_summaries(bytes, split_whole(bytes, common::LineSplitter::kDefaultMaxLine), chunker);
  return 0;
}
