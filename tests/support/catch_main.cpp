// The main of every test binary: Catch2's, plus skips CTest can see. A test
// that cannot run here calls RESHIP_SKIP; the binary then exits 77, which
// every test's SKIP_RETURN_CODE turns into "Skipped" in CTest's summary
// instead of a pass.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "tests/support/skip.hpp"

namespace reship::test {
namespace {
int skipped_count = 0;
}

void mark_skipped(const std::string& why) {
  ++skipped_count;
  std::printf("SKIPPED: %s\n", why.c_str());
  std::fflush(stdout);
}

}  // namespace reship::test

int main(int argc, char* argv[]) {
  const int failed = Catch::Session().run(argc, argv);
  if (failed == 0 && reship::test::skipped_count > 0) return kSkipExitCode;
  return failed;
}
