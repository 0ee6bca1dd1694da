#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "back/diagnostics/recognizer.hpp"

namespace reship::back::diagnostics {

/// Follows, from what build tools print, the folder the tool on the current
/// line runs in, so that the relative paths it prints are read from there:
/// GNU make's "Entering directory '/app/lib'" and "Leaving directory",
/// ninja's "Entering directory `build'", pnpm's "> app@1.0.0 build /app/web"
/// script header, pnpm -r's "packages/web build: " line prefix (taken off the
/// line), and npm's "npm error path /app/packages/web", which names the
/// folder of a failed workspace script only after its output.
class BuildDirectories {
 public:
  struct Seen {
    std::string_view text;               ///< the line without a workspace prefix
    std::optional<size_t> rebase_since;  ///< the lines from this one on ran in rebase_dir
    std::string rebase_dir;
  };

  /// Looks at the next line. The returned text views `line.text`.
  Seen see(const OutputLine& line);
  /// The folder the paths on the line just seen are relative to ("" when
  /// nothing said: the workdir).
  const std::string& current() const { return current_; }
  /// The folder of line `number`, for a diagnostic that began there and
  /// was completed lines later (after "Leaving directory", say). Known for
  /// the last kHistory changes of folder; before them, the oldest known.
  const std::string& at(size_t number) const;

 private:
  static constexpr size_t kMaxDepth = 16;
  static constexpr size_t kHistory = 64;

  std::vector<std::string> make_dirs_;
  std::string ninja_dir_;
  std::string script_dir_;
  std::vector<std::string> prefixes_;  // "packages/web build", as pnpm -r announced them
  std::optional<size_t> npm_script_since_;
  std::string current_;
  std::deque<std::pair<size_t, std::string>> history_;  // (first line, folder), oldest first
};

}  // namespace reship::back::diagnostics
