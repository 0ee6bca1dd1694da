#include "back/diagnostics/text.hpp"

#include "common/text/utf8.hpp"

namespace reship::back::diagnostics {
namespace {

// Skips the escape sequence that starts at s[i] (an ESC) and returns the
// index after it. ECMA-48: CSI is ESC [ parameters (0x30-0x3F),
// intermediates (0x20-0x2F), a final byte (0x40-0x7E); OSC is ESC ] up to BEL
// or ESC \; other escapes are ESC, intermediates, a final byte.
size_t skip_escape(std::string_view s, size_t i) {
  ++i;
  if (i >= s.size()) return i;
  const char kind = s[i];
  if (kind == '[') {
    ++i;
    while (i < s.size() && s[i] >= 0x20 && s[i] <= 0x3F) ++i;
    if (i < s.size() && s[i] >= 0x40 && s[i] <= 0x7E) ++i;
    return i;
  }
  if (kind == ']' || kind == 'P' || kind == '_' || kind == '^') {
    ++i;
    while (i < s.size()) {
      if (s[i] == '\x07') return i + 1;
      if (s[i] == '\x1b') return i + 1 < s.size() && s[i + 1] == '\\' ? i + 2 : i + 1;
      ++i;
    }
    return i;
  }
  while (i < s.size() && s[i] >= 0x20 && s[i] <= 0x2F) ++i;
  if (i < s.size() && s[i] >= 0x30 && s[i] <= 0x7E) ++i;
  return i;
}

}  // namespace

std::string terminal_text(std::string_view line, size_t max_bytes) {
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (const size_t cr = line.rfind('\r'); cr != std::string_view::npos) line.remove_prefix(cr + 1);
  std::string visible;
  visible.reserve(std::min(line.size(), max_bytes));
  // Replacing ill-formed UTF-8 never makes text shorter, so `max_bytes` input
  // bytes are all the output can use.
  for (size_t i = 0; i < line.size() && visible.size() < max_bytes;) {
    const char c = line[i];
    if (c == '\x1b') {
      i = skip_escape(line, i);
      continue;
    }
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == '\x7f') {
      ++i;
      continue;
    }
    visible.push_back(c);
    ++i;
  }
  std::string out = common::sanitize_utf8(visible);
  if (out.size() > max_bytes) out.resize(common::utf8_safe_cut(out, max_bytes));
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
  return out;
}

std::string shorten(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  constexpr std::string_view kMore = "…";
  const size_t room = max_bytes > kMore.size() ? max_bytes - kMore.size() : 0;
  std::string out(text.substr(0, common::utf8_safe_cut(text, room)));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + std::string(kMore);
}

namespace {

// The bytes of a blank at the start of `s`: a space, a tab, a no-break
// space (U+00A0) or a thin space (U+2009, which pnpm puts around its codes).
size_t blank_at_start(std::string_view s) {
  if (s.empty()) return 0;
  if (s[0] == ' ' || s[0] == '\t') return 1;
  if (s.starts_with("\xC2\xA0")) return 2;
  if (s.starts_with("\xE2\x80\x89")) return 3;
  return 0;
}

size_t blank_at_end(std::string_view s) {
  if (s.empty()) return 0;
  if (s.back() == ' ' || s.back() == '\t') return 1;
  if (s.ends_with("\xC2\xA0")) return 2;
  if (s.ends_with("\xE2\x80\x89")) return 3;
  return 0;
}

}  // namespace

std::string_view trim_left(std::string_view s) {
  while (const size_t n = blank_at_start(s)) s.remove_prefix(n);
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_left(s);
  while (const size_t n = blank_at_end(s)) s.remove_suffix(n);
  return s;
}

size_t indent_of(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && (s[n] == ' ' || s[n] == '\t')) ++n;
  return n;
}

size_t digit_run(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  return n;
}

std::optional<int> to_int(std::string_view digits) {
  if (digits.empty() || digits.size() > 9 || digit_run(digits) != digits.size()) return std::nullopt;
  int n = 0;
  for (const char c : digits) n = n * 10 + (c - '0');
  return n;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace reship::back::diagnostics
