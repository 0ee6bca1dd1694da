#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace reship::back::diagnostics {

/// The most of one output line the recognisers look at: a longer line (a
/// minified bundle, a progress bar run wild) is cut there.
inline constexpr size_t kMaxLineBytes = 4096;

/// What a terminal shows of one output line: without ANSI escape sequences
/// (CSI colours and cursor moves, OSC titles and hyperlinks, other escapes),
/// only what follows the last '\r' (a progress bar's last state; a '\r' that
/// ends the line, as CRLF output has, is dropped), without other control
/// characters but tabs, with ill-formed UTF-8 replaced by U+FFFD and trailing
/// blanks trimmed; at most `max_bytes` bytes, cut at a character boundary.
/// Linear in the length of the line, however long.
std::string terminal_text(std::string_view line, size_t max_bytes = kMaxLineBytes);

/// `text` cut to at most `max_bytes` bytes at a character boundary, with "…"
/// in place of what was cut. `text` must be valid UTF-8.
std::string shorten(std::string_view text, size_t max_bytes);

// Small string helpers the recognisers share.

inline bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

/// Without leading and trailing blanks: spaces, tabs, U+00A0, U+2009.
std::string_view trim(std::string_view s);
std::string_view trim_left(std::string_view s);

/// The number of leading spaces (a tab counts as one).
size_t indent_of(std::string_view s);

/// The decimal number spelled by all of `digits` (1 to 9 digits), or nothing.
std::optional<int> to_int(std::string_view digits);

/// Counts the leading decimal digits of `s` (at most 9 are read as a number).
size_t digit_run(std::string_view s);

/// ASCII lower case.
std::string lower(std::string_view s);

}  // namespace reship::back::diagnostics
