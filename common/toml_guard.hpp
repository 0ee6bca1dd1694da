#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reship::common {

/// Where a config's text would trip the TOML library, and why.
struct TomlHazard {
  int line = 0;
  std::string message;
};

/// Finds a character other than ASCII where toml++ 3.3 (Debian's) would ask
/// whether it is whitespace: outside strings and comments (invalid TOML
/// anyway), and right after a backslash in a multi-line basic string. For
/// some code points (U+00A1–U+0499, U+2D4E–U+3147, U+FBF6–U+FEFE) that
/// question reaches an unreachable branch of the library: undefined
/// behaviour before any error. The loader reports these itself instead.
std::optional<TomlHazard> find_toml_hazard(std::string_view text);

}  // namespace reship::common
