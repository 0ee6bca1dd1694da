#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace reship::common {

/// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

/// Length of the next well-formed UTF-8 sequence at text[i], or 0 when the
/// bytes there are not one (a stray continuation byte, a truncated sequence...).
size_t utf8_sequence_length(std::string_view text, size_t i) noexcept;

/// Length of the maximal ill-formed subpart at text[i], the bytes one U+FFFD
/// replaces (Unicode 15, section 3.9): the longest prefix of a well-formed
/// sequence there, or 1. Call only where utf8_sequence_length() returned 0.
size_t utf8_maximal_subpart(std::string_view text, size_t i) noexcept;

/// Appends `text` to `out` with every ill-formed sequence replaced by U+FFFD,
/// one replacement per maximal ill-formed subpart (as Unicode recommends).
void append_sanitized_utf8(std::string& out, std::string_view text);

/// `text` with ill-formed sequences replaced by U+FFFD.
std::string sanitize_utf8(std::string_view text);

/// The largest n <= max such that text[0, n) does not end inside a UTF-8
/// sequence. Used to cut a buffer without splitting a character.
size_t utf8_safe_cut(std::string_view text, size_t max) noexcept;

}  // namespace reship::common
