// Fuzz target: read_sarif (back/diagnostics/structured.hpp), the reader of
// the *.sarif files a build leaves in RESHIP_DIAGNOSTICS_DIR.
//
// Invariants: never crashes on any bytes; an answer or an error; at most
// `max` diagnostics, each valid UTF-8 with sane numbers, whose JSON reads
// back the same; a smaller `max` gives a prefix of the larger's answer.

#include "back/diagnostics/structured.hpp"
#include "structured_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace dx = reship::back::diagnostics;
  const std::string_view bytes = reship::fuzz::as_text(data, size);
  auto all = dx::read_sarif(bytes);
  if (!all) return 0;
  reship::fuzz::check_structured(*all, dx::kMaxStructuredDiagnostics);
  auto few = dx::read_sarif(bytes, 2);
  FUZZ_CHECK(few.ok() && few->size() == std::min<size_t>(2, all->size()));
  for (size_t i = 0; i < few->size(); ++i) FUZZ_CHECK((*few)[i].message == (*all)[i].message);
  return 0;
}
