#include "common/text/utf8.hpp"

#include <cstdint>
#include <cstring>

#include <simdjson.h>

namespace reship::common {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

inline bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

// Finds the first non-ASCII byte from `i`, 8 bytes at a time.
inline size_t skip_ascii(std::string_view text, size_t i) {
  const char* p = text.data();
  const size_t n = text.size();
  while (i + 8 <= n) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    if (word & 0x8080808080808080ULL) break;
    i += 8;
  }
  while (i < n && static_cast<unsigned char>(p[i]) < 0x80) ++i;
  return i;
}

}  // namespace

size_t utf8_maximal_subpart(std::string_view text, size_t i) noexcept {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = at(i);
  size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  }
  size_t len = 1;
  for (size_t k = 0; k < need && i + len < text.size(); ++k) {
    const unsigned char next = at(i + len);
    if (k == 0 ? (next < lo || next > hi) : !is_cont(next)) break;
    ++len;
  }
  return len;
}

size_t utf8_sequence_length(std::string_view text, size_t i) noexcept {
  const size_t n = text.size();
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;  // continuation byte or overlong 2-byte lead
  if (c < 0xE0) return (i + 1 < n && is_cont(b(i + 1))) ? 2 : 0;
  if (c < 0xF0) {
    if (i + 2 >= n) return 0;
    const unsigned char c1 = b(i + 1);
    // Table 3-7 of the Unicode standard: E0 needs A0..BF (no overlong),
    // ED needs 80..9F (no surrogates).
    if (c == 0xE0 && (c1 < 0xA0 || c1 > 0xBF)) return 0;
    if (c == 0xED && (c1 < 0x80 || c1 > 0x9F)) return 0;
    if (!is_cont(c1) || !is_cont(b(i + 2))) return 0;
    return 3;
  }
  if (c < 0xF5) {
    if (i + 3 >= n) return 0;
    const unsigned char c1 = b(i + 1);
    if (c == 0xF0 && (c1 < 0x90 || c1 > 0xBF)) return 0;
    if (c == 0xF4 && (c1 < 0x80 || c1 > 0x8F)) return 0;
    if (!is_cont(c1) || !is_cont(b(i + 2)) || !is_cont(b(i + 3))) return 0;
    return 4;
  }
  return 0;
}

bool is_valid_utf8(std::string_view text) noexcept {
  // simdjson's validator checks many bytes per instruction: the log path
  // validates every line a build prints.
  return simdjson::validate_utf8(text.data(), text.size());
}

void append_sanitized_utf8(std::string& out, std::string_view text) {
  size_t i = 0;
  size_t clean_start = 0;
  while (true) {
    i = skip_ascii(text, i);
    if (i >= text.size()) break;
    const size_t len = utf8_sequence_length(text, i);
    if (len != 0) {
      i += len;
      continue;
    }
    out.append(text.substr(clean_start, i - clean_start));
    out.append(kReplacement);
    i += utf8_maximal_subpart(text, i);
    clean_start = i;
  }
  out.append(text.substr(clean_start));
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_sanitized_utf8(out, text);
  return out;
}

size_t utf8_safe_cut(std::string_view text, size_t max) noexcept {
  if (max >= text.size()) return text.size();
  size_t cut = max;
  // Step back over at most 3 continuation bytes to the start of a character.
  for (int k = 0; k < 3 && cut > 0 && is_cont(static_cast<unsigned char>(text[cut])); ++k) --cut;
  return cut;
}

}  // namespace reship::common
