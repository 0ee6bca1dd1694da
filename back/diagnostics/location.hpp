#pragma once

#include <optional>
#include <string_view>

namespace reship::back::diagnostics {

/// A source location read off a line, and what follows it.
struct Located {
  std::string_view file;
  int line = 0;
  int column = 0;
  std::string_view rest;  ///< after the location and the ": " that ends it
};

/// Reads "FILE:LINE:COL: rest", "FILE:LINE: rest", "FILE:LINE:COL" or
/// "FILE:LINE" at the start of `text`, the form of GCC, Clang, Go, javac and
/// most tools. FILE is what comes before the first ':' followed by a digit; it
/// holds no blank.
std::optional<Located> colon_location(std::string_view text);

/// Reads "FILE(LINE,COL): rest" or "FILE(LINE): rest" (tsc --pretty false,
/// MSBuild).
std::optional<Located> paren_location(std::string_view text);

/// Reads the location a JavaScript stack frame ends with: "at f (FILE:L:C)",
/// "at FILE:L:C", "at async f (file:///FILE:L:C)". `text` is the frame
/// without its indentation, starting at "at ".
std::optional<Located> js_frame_location(std::string_view text);

/// True when `file` names a source file rather than a word or a URL's host:
/// it has an extension or a '/', and no blank.
bool looks_like_path(std::string_view file);

}  // namespace reship::back::diagnostics
