#pragma once

// What the fuzz targets of the structured-diagnostics readers check of
// whatever they read.

#include <vector>

#include "back/diagnostics/diagnostic.hpp"
#include "common/text/utf8.hpp"
#include "fuzz_support.hpp"

namespace reship::fuzz {

/// Within `max`, valid UTF-8 everywhere, sane numbers, and JSON that reads
/// back the same.
inline void check_structured(const std::vector<back::diagnostics::Diagnostic>& found, size_t max) {
  FUZZ_CHECK(found.size() <= max);
  for (const auto& d : found) {
    FUZZ_CHECK(common::is_valid_utf8(d.tool) && common::is_valid_utf8(d.file) && common::is_valid_utf8(d.code) &&
               common::is_valid_utf8(d.message));
    FUZZ_CHECK(d.line >= 0 && d.column >= 0);
  }
  const std::string json = back::diagnostics::diagnostics_json(found);
  auto back = back::diagnostics::parse_diagnostics_json(json, max);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(back::diagnostics::diagnostics_json(*back) == json);
}

}  // namespace reship::fuzz
