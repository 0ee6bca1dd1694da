#include "common/config/toml_guard.hpp"

#include <cstdint>
#include <cstdio>

#include "common/text/utf8.hpp"

namespace reship::common {
namespace {

// Decodes the UTF-8 sequence at `at` (a character other than ASCII);
// 0 bytes when it is not well-formed UTF-8.
size_t decode(std::string_view text, size_t at, uint32_t& cp) {
  const size_t length = utf8_sequence_length(text, at);
  if (length < 2) return 0;
  static constexpr unsigned kLeadBits[] = {0, 0, 0x1F, 0x0F, 0x07};
  cp = static_cast<unsigned char>(text[at]) & kLeadBits[length];
  for (size_t i = 1; i < length; ++i) cp = (cp << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3F);
  return length;
}

std::string name(uint32_t cp) {
  char out[16];
  std::snprintf(out, sizeof out, "U+%04X", static_cast<unsigned>(cp));
  return out;
}

std::string escape(uint32_t cp) {
  char out[16];
  if (cp < 0x10000) {
    std::snprintf(out, sizeof out, "\\u%04X", static_cast<unsigned>(cp));
  } else {
    std::snprintf(out, sizeof out, "\\U%08X", static_cast<unsigned>(cp));
  }
  return out;
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

int lines_in(std::string_view s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// One string token, from its opening quote(s) up to and with its closing
// one(s), as TOML delimits it; `closed` is false when the line (or, for a
// multi-line string, the text) ends first.
struct Token {
  std::string_view raw;
  bool multi = false;
  bool literal = false;
  bool closed = false;
};

Token string_token(std::string_view text, size_t start) {
  Token t;
  const char quote = text[start];
  t.literal = quote == '\'';
  const std::string_view triple = t.literal ? "'''" : "\"\"\"";
  t.multi = text.substr(start, 3) == triple;
  size_t i = start + (t.multi ? 3 : 1);
  while (i < text.size()) {
    const char c = text[i];
    if (!t.literal && c == '\\') {
      i += 2;
      continue;
    }
    if (!t.multi && c == '\n') break;
    if (c == quote && (!t.multi || text.substr(i, 3) == triple)) {
      i += t.multi ? 3 : 1;
      // Up to two more quotes right before the closing ones are content.
      for (int extra = 0; t.multi && extra < 2 && i < text.size() && text[i] == quote; ++extra) ++i;
      t.closed = true;
      break;
    }
    ++i;
  }
  t.raw = text.substr(start, std::min(i, text.size()) - start);
  return t;
}

}  // namespace

AsciiToml make_ascii_toml(std::string_view text) {
  AsciiToml result;
  std::string& out = result.text;
  out.reserve(text.size());
  int line = 1;
  auto fail = [&](int at_line, std::string message) {
    result.hazard = TomlHazard{at_line, std::move(message)};
    result.text.clear();
    return result;
  };
  size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // a byte order mark says nothing
  while (i < text.size()) {
    const char c = text[i];
    if (c == '#') {
      // A comment, to the end of its line: its other characters become '?'.
      while (i < text.size() && text[i] != '\n') {
        if (static_cast<unsigned char>(text[i]) < 0x80) {
          out += text[i++];
          continue;
        }
        uint32_t cp = 0;
        const size_t n = decode(text, i, cp);
        if (n == 0) return fail(line, "a byte that is not UTF-8, in a comment");
        out += '?';
        i += n;
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      const Token t = string_token(text, i);
      const int first_line = line;
      line += lines_in(t.raw);
      i += t.raw.size();
      if (is_ascii(t.raw)) {
        out += t.raw;
        continue;
      }
      if (!t.closed) return fail(first_line, "a string that does not end");
      // Rewritten as a basic string of the same kind, its other characters escaped.
      const size_t quotes = t.multi ? 3 : 1;
      std::string_view body = t.raw.substr(quotes, t.raw.size() - 2 * quotes);
      out += t.multi ? "\"\"\"" : "\"";
      int at = first_line;
      for (size_t k = 0; k < body.size();) {
        const char b = body[k];
        if (b == '\n') ++at;
        if (static_cast<unsigned char>(b) >= 0x80) {
          uint32_t cp = 0;
          const size_t n = decode(body, k, cp);
          if (n == 0) return fail(at, "a byte that is not UTF-8, in a string");
          out += escape(cp);
          k += n;
        } else if (t.literal && (b == '\\' || b == '"')) {
          out += '\\';
          out += b;
          ++k;
        } else if (!t.literal && b == '\\' && k + 1 < body.size() && static_cast<unsigned char>(body[k + 1]) >= 0x80) {
          uint32_t cp = 0;
          decode(body, k + 1, cp);
          return fail(at, "\\ followed by " + name(cp) + " is not an escape");
        } else if (!t.literal && b == '\\' && k + 1 < body.size()) {
          out += body.substr(k, 2);  // an escape, whole
          if (body[k + 1] == '\n') ++at;
          k += 2;
        } else {
          out += b;
          ++k;
        }
      }
      out += t.multi ? "\"\"\"" : "\"";
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      uint32_t cp = 0;
      const std::string what = decode(text, i, cp) > 0 ? name(cp) : "a byte that is not UTF-8";
      return fail(line, what +
                            " outside a string or comment: TOML allows characters other than ASCII only inside "
                            "quotes or after #");
    }
    if (c == '\n') ++line;
    out += c;
    ++i;
  }
  return result;
}

}  // namespace reship::common
