#pragma once

// Paths of the binaries under test, set by CMake.

namespace reship::test {

inline constexpr const char* kSupervisorBin = RESHIP_SUPERVISOR_BIN;
inline constexpr const char* kBackBin = RESHIP_BACK_BIN;
inline constexpr const char* kCliBin = RESHIP_CLI_BIN;
/// The directory holding the test-helper binary (fake children, fake builds).
inline constexpr const char* kHelperBin = RESHIP_TEST_HELPER_BIN;
inline constexpr const char* kSourceDir = RESHIP_SOURCE_DIR;

}  // namespace reship::test
