#include "back/diagnostics/location.hpp"

#include "back/diagnostics/text.hpp"

namespace reship::back::diagnostics {
namespace {

// Reads ":LINE[:COL]" at s[i] (on the ':'); on success `i` is after it.
bool read_line_column(std::string_view s, size_t& i, Located& out) {
  if (i >= s.size() || s[i] != ':') return false;
  const size_t n = digit_run(s.substr(i + 1));
  auto line = to_int(s.substr(i + 1, n));
  if (!line) return false;
  out.line = *line;
  i += 1 + n;
  if (i < s.size() && s[i] == ':') {
    const size_t m = digit_run(s.substr(i + 1));
    if (auto column = to_int(s.substr(i + 1, m))) {
      out.column = *column;
      i += 1 + m;
    }
  }
  return true;
}

}  // namespace

bool looks_like_path(std::string_view file) {
  if (file.empty() || file.find_first_of(" \t") != std::string_view::npos) return false;
  if (file.find('/') != std::string_view::npos) return true;
  const size_t dot = file.rfind('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < file.size();
}

std::optional<Located> colon_location(std::string_view text) {
  // Only the start of a line can hold a location; a path longer than this
  // is not one a person would read.
  const size_t limit = std::min<size_t>(text.size(), 1024);
  for (size_t p = text.find(':'); p != std::string_view::npos && p < limit; p = text.find(':', p + 1)) {
    if (p + 1 >= text.size() || text[p + 1] < '0' || text[p + 1] > '9') continue;
    Located out;
    out.file = text.substr(0, p);
    if (out.file.empty() || out.file.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
    size_t i = p;
    if (!read_line_column(text, i, out)) return std::nullopt;
    if (i == text.size()) return out;
    if (text[i] != ':') return std::nullopt;
    out.rest = trim_left(text.substr(i + 1));
    return out;
  }
  return std::nullopt;
}

std::optional<Located> paren_location(std::string_view text) {
  const size_t open = text.find('(');
  if (open == std::string_view::npos || open == 0 || open > 1024) return std::nullopt;
  Located out;
  out.file = text.substr(0, open);
  if (out.file.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
  size_t i = open + 1;
  const size_t n = digit_run(text.substr(i));
  auto line = to_int(text.substr(i, n));
  if (!line) return std::nullopt;
  out.line = *line;
  i += n;
  if (i < text.size() && text[i] == ',') {
    const size_t m = digit_run(text.substr(i + 1));
    auto column = to_int(text.substr(i + 1, m));
    if (!column) return std::nullopt;
    out.column = *column;
    i += 1 + m;
  }
  if (i >= text.size() || text[i] != ')') return std::nullopt;
  ++i;
  if (i < text.size() && text[i] == ':') ++i;
  out.rest = trim_left(text.substr(i));
  return out;
}

std::optional<Located> js_frame_location(std::string_view text) {
  if (!text.starts_with("at ")) return std::nullopt;
  std::string_view where = text.substr(3);
  if (!where.empty() && where.back() == ')') {
    const size_t open = where.rfind('(');
    if (open == std::string_view::npos) return std::nullopt;
    where = where.substr(open + 1, where.size() - open - 2);
  }
  // FILE:LINE:COL, read from the end: FILE may hold ':' ("file:///...").
  const size_t c2 = where.rfind(':');
  if (c2 == std::string_view::npos) return std::nullopt;
  const size_t c1 = where.rfind(':', c2 == 0 ? 0 : c2 - 1);
  Located out;
  if (c1 != std::string_view::npos && c1 < c2 && to_int(where.substr(c1 + 1, c2 - c1 - 1))) {
    auto column = to_int(where.substr(c2 + 1));
    if (!column) return std::nullopt;
    out.file = where.substr(0, c1);
    out.line = *to_int(where.substr(c1 + 1, c2 - c1 - 1));
    out.column = *column;
  } else {
    auto line = to_int(where.substr(c2 + 1));
    if (!line) return std::nullopt;
    out.file = where.substr(0, c2);
    out.line = *line;
  }
  if (out.file.empty() || out.file.find(' ') != std::string_view::npos) return std::nullopt;
  return out;
}

}  // namespace reship::back::diagnostics
