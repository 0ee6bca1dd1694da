#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "back/diagnostics/diagnostic.hpp"
#include "common/result.hpp"

namespace reship::back::diagnostics {

/// The environment variable that names, in a build's environment, the folder
/// where it may write structured diagnostics.
inline constexpr const char* kDiagnosticsDirEnv = "RESHIP_DIAGNOSTICS_DIR";
/// What is read of that folder: the first files in name order, each up to a
/// size, and up to a number of diagnostics in all.
inline constexpr size_t kMaxStructuredFiles = 64;
inline constexpr size_t kMaxStructuredFileBytes = 16 * 1024 * 1024;
inline constexpr size_t kMaxStructuredDiagnostics = 200;

/// The results of a SARIF 2.1 log (a *.sarif file): for each run, its tool's
/// name, and for each result its level, ruleId, message and first physical
/// location (a file:// URI as a path; a relative one under its uriBaseId when
/// the run gives it). Suppressed results are left out. At most `max`.
common::Result<std::vector<Diagnostic>> read_sarif(std::string_view json, size_t max = kMaxStructuredDiagnostics);

/// The diagnostics of GCC's -fdiagnostics-format=json (GCC 9 to 14): an
/// array of {kind, message, option, locations[{caret{file,line,column}}]}.
/// Child notes are left out. At most `max`.
common::Result<std::vector<Diagnostic>> read_gcc_json(std::string_view json, size_t max = kMaxStructuredDiagnostics);

/// What a build left in its diagnostics folder.
struct StructuredDiagnostics {
  std::vector<Diagnostic> diagnostics;
  /// A line per file that could not be read: "eslint.sarif: invalid JSON: ...".
  std::vector<std::string> problems;
};

/// Reads every *.sarif (as SARIF) and *.json (as SARIF when it says
/// "version":"2.1.0" and has "runs", else as GCC JSON) file directly in `dir`,
/// in name order, within the limits above. A missing folder is no problem.
StructuredDiagnostics read_diagnostics_dir(const std::filesystem::path& dir);

}  // namespace reship::back::diagnostics
