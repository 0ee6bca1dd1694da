#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reship::common {

/// Why a config's text was not handed to the TOML library.
struct TomlHazard {
  int line = 0;
  std::string message;
};

/// The same TOML document in ASCII only, or why it cannot be: toml++ 3.3
/// (Debian's) classifies characters other than ASCII through a generated
/// table whose unreachable branches some code points reach (U+00A1–U+0499,
/// U+2D4E–U+3147, U+FBF6–U+FEFE), and it does so on more paths than valid
/// TOML takes: undefined behaviour before any error. So the library never
/// sees such a character: in strings they become \u escapes (a literal
/// string with one becomes a basic string), in comments '?', and elsewhere,
/// where TOML allows none, they are an error. Lines stay where they were.
struct AsciiToml {
  std::string text;
  std::optional<TomlHazard> hazard;
};
AsciiToml make_ascii_toml(std::string_view text);

}  // namespace reship::common
