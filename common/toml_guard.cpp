#include "common/toml_guard.hpp"

#include <cstdint>
#include <cstdio>

namespace reship::common {
namespace {

// "U+00E9", or "a byte that is not UTF-8" when the bytes at `at` do not decode.
std::string describe(std::string_view text, size_t at) {
  const auto byte = [&](size_t i) { return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u; };
  const unsigned lead = byte(at);
  size_t length = 0;
  uint32_t cp = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    cp = lead & 0x07;
  }
  for (size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return "a byte that is not UTF-8";
    cp = (cp << 6) | (byte(at + i) & 0x3F);
  }
  if (length == 0) return "a byte that is not UTF-8";
  char out[16];
  std::snprintf(out, sizeof out, "U+%04X", static_cast<unsigned>(cp));
  return out;
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

std::optional<TomlHazard> find_toml_hazard(std::string_view text) {
  enum class State { normal, comment, basic, literal, multi_basic, multi_literal };
  State state = State::normal;
  int line = 1;
  size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // a byte order mark is fine
  // A run of quotes closes a multi-line string; up to two more are its content.
  const auto closes = [&](char quote) {
    if (text.substr(i, 3) != std::string_view(quote == '"' ? "\"\"\"" : "'''")) return false;
    i += 3;
    while (i < text.size() && text[i] == quote) ++i;
    return true;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') ++line;
    switch (state) {
      case State::normal:
        if (static_cast<unsigned char>(c) >= 0x80) {
          return TomlHazard{line, describe(text, i) +
                                      " outside a string or comment: TOML allows characters other than ASCII only "
                                      "inside quotes or after #"};
        }
        if (c == '#') {
          state = State::comment;
        } else if (c == '"') {
          state = text.substr(i, 3) == "\"\"\"" ? State::multi_basic : State::basic;
          i += state == State::multi_basic ? 3 : 1;
          continue;
        } else if (c == '\'') {
          state = text.substr(i, 3) == "'''" ? State::multi_literal : State::literal;
          i += state == State::multi_literal ? 3 : 1;
          continue;
        }
        break;
      case State::comment:
        if (c == '\n') state = State::normal;
        break;
      case State::basic:
        if (c == '\\') {
          if (i + 1 < text.size() && text[i + 1] == '\n') ++line;
          i += 2;
          continue;
        }
        if (c == '"' || c == '\n') state = State::normal;
        break;
      case State::literal:
        if (c == '\'' || c == '\n') state = State::normal;
        break;
      case State::multi_basic:
        if (c == '\\') {
          // The library asks "whitespace?" of what follows a backslash, and
          // of the first character after a line-ending backslash's blanks.
          size_t next = i + 1;
          while (next < text.size() && is_ascii_space(text[next])) {
            if (text[next] == '\n') ++line;
            ++next;
          }
          if (next < text.size() && static_cast<unsigned char>(text[next]) >= 0x80) {
            return TomlHazard{line, describe(text, next) +
                                        " right after a backslash in a multi-line string is not supported: write "
                                        "it as a \\u escape"};
          }
          // An escape skips the character escaped; a line-ending backslash
          // goes on from the first character after the blanks.
          i = next == i + 1 ? i + 2 : next;
          continue;
        }
        if (c == '"' && closes('"')) {
          state = State::normal;
          continue;
        }
        break;
      case State::multi_literal:
        if (c == '\'' && closes('\'')) {
          state = State::normal;
          continue;
        }
        break;
    }
    ++i;
  }
  return std::nullopt;
}

}  // namespace reship::common
