#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/text/json_writer.hpp"
#include "common/result.hpp"

namespace reship::back::diagnostics {

enum class Severity : uint8_t { error, warning, note };

/// "error", "warning" or "note".
const char* severity_name(Severity severity);

/// One problem a tool reported, as precisely as its output locates it. Empty
/// strings and zero numbers mean "unknown" and are left out of the JSON.
struct Diagnostic {
  std::string tool;  ///< who said it: "gcc", "tsc", "jest", "python"...
  Severity severity = Severity::error;
  std::string file;  ///< relative to the workdir when inside it
  int line = 0;      ///< 1-based
  int column = 0;    ///< 1-based
  std::string code;  ///< the tool's own code: "TS2322", "E0425", "no-undef", "-Wparentheses"
  std::string message;
  std::string test;      ///< a failed test's name
  std::string expected;  ///< what a failed assertion expected
  std::string received;  ///< and what it got

  // How the analyser ranks and places it; never written out.
  bool follow_on = false;      ///< says that a step failed, not why ("make: *** Error 1", ELIFECYCLE)
  bool out_of_memory = false;  ///< says the process ran out of memory
  size_t seen_at = 0;          ///< the output line where it began
  std::string base_dir;        ///< the folder `file` is relative to when the tool ran elsewhere
};

/// Writes `diagnostics` as a JSON array of objects with the keys tool,
/// severity, file, line, column, code, message, test, expected, received,
/// each left out when unknown.
void write_diagnostics(common::JsonWriter& w, const std::vector<Diagnostic>& diagnostics);

/// The same as a string.
std::string diagnostics_json(const std::vector<Diagnostic>& diagnostics);

/// Reads back what write_diagnostics wrote (a stored record's diagnostics);
/// unknown keys are ignored, at most `max` entries are kept.
common::Result<std::vector<Diagnostic>> parse_diagnostics_json(std::string_view json, size_t max = 100);

/// "src/app.ts:12:5", "src/app.ts:12", "src/app.ts", or "" without a file.
std::string location_text(const Diagnostic& d);

}  // namespace reship::back::diagnostics
