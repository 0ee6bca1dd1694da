#pragma once

#include <string>

/// The exit code of a test binary whose tests passed but one skipped; CTest
/// counts it as skipped (SKIP_RETURN_CODE, set on every test).
inline constexpr int kSkipExitCode = 77;

namespace reship::test {
/// Prints "SKIPPED: why" and makes the binary exit kSkipExitCode.
void mark_skipped(const std::string& why);
}  // namespace reship::test

/// Ends the current test as skipped, saying why (what is missing and how to
/// get it). Destructors run as on any return.
#define RESHIP_SKIP(why)                \
  do {                                  \
    ::reship::test::mark_skipped(why);  \
    return;                             \
  } while (false)
