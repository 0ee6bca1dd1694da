#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "back/diagnostics/recognizer.hpp"

namespace reship::back::diagnostics {

/// One toolchain's recogniser in the table.
struct RecognizerEntry {
  std::string_view name;
  std::unique_ptr<Recognizer> (*make)();
};

/// Every toolchain's recogniser. Adding a toolchain: one file in
/// recognizers/ defining its make_*() (declared below), one line in the table
/// (recognizers.cpp), one test in tests/back/diagnostics/.
std::span<const RecognizerEntry> recognizer_table();

/// The last resort when no recogniser matched: "error:", "ERROR" and
/// "FAILED" lines, located when they start with FILE:LINE.
std::unique_ptr<Recognizer> make_generic_recognizer();

std::unique_ptr<Recognizer> make_gcc_clang_recognizer();
std::unique_ptr<Recognizer> make_linker_recognizer();
std::unique_ptr<Recognizer> make_make_recognizer();
std::unique_ptr<Recognizer> make_cmake_recognizer();
std::unique_ptr<Recognizer> make_ninja_recognizer();
std::unique_ptr<Recognizer> make_cpp_crash_recognizer();
std::unique_ptr<Recognizer> make_tsc_recognizer();
std::unique_ptr<Recognizer> make_package_manager_recognizer();
std::unique_ptr<Recognizer> make_esbuild_recognizer();
std::unique_ptr<Recognizer> make_vite_recognizer();
std::unique_ptr<Recognizer> make_rollup_recognizer();
std::unique_ptr<Recognizer> make_webpack_recognizer();
std::unique_ptr<Recognizer> make_eslint_recognizer();
std::unique_ptr<Recognizer> make_jest_recognizer();
std::unique_ptr<Recognizer> make_vitest_recognizer();
std::unique_ptr<Recognizer> make_mocha_recognizer();
std::unique_ptr<Recognizer> make_node_recognizer();
std::unique_ptr<Recognizer> make_pytest_recognizer();
std::unique_ptr<Recognizer> make_python_traceback_recognizer();
std::unique_ptr<Recognizer> make_unittest_recognizer();
std::unique_ptr<Recognizer> make_go_recognizer();
std::unique_ptr<Recognizer> make_go_test_recognizer();
std::unique_ptr<Recognizer> make_go_panic_recognizer();
std::unique_ptr<Recognizer> make_rustc_recognizer();
std::unique_ptr<Recognizer> make_rust_panic_recognizer();
std::unique_ptr<Recognizer> make_javac_recognizer();
std::unique_ptr<Recognizer> make_maven_recognizer();
std::unique_ptr<Recognizer> make_gradle_recognizer();
std::unique_ptr<Recognizer> make_java_exception_recognizer();
std::unique_ptr<Recognizer> make_shell_recognizer();
std::unique_ptr<Recognizer> make_out_of_memory_recognizer();

}  // namespace reship::back::diagnostics
