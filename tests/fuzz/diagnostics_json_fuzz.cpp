// Fuzz target: parse_diagnostics_json (back/diagnostics/diagnostic.hpp),
// which reads a stored record's diagnostics back.
//
// Invariants: never crashes on any bytes; what it reads writes as JSON that
// reads back to the same; at most `max` entries.

#include "back/diagnostics/diagnostic.hpp"
#include "structured_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace dx = reship::back::diagnostics;
  auto found = dx::parse_diagnostics_json(reship::fuzz::as_text(data, size), 30);
  if (found) reship::fuzz::check_structured(*found, 30);
  return 0;
}
