#include "back/diagnostics/recognizers.hpp"

namespace reship::back::diagnostics {

std::span<const RecognizerEntry> recognizer_table() {
  // The order does not rank what they find (the analyser does); it only
  // decides which tool's name a diagnostic two recognisers found keeps.
  static const RecognizerEntry kTable[] = {
      {"gcc-clang", make_gcc_clang_recognizer},
      {"linker", make_linker_recognizer},
      {"make", make_make_recognizer},
      {"cmake", make_cmake_recognizer},
      {"ninja", make_ninja_recognizer},
      {"c++-crash", make_cpp_crash_recognizer},
      {"tsc", make_tsc_recognizer},
      {"package-manager", make_package_manager_recognizer},
      {"esbuild", make_esbuild_recognizer},
      {"vite", make_vite_recognizer},
      {"rollup", make_rollup_recognizer},
      {"webpack", make_webpack_recognizer},
      {"eslint", make_eslint_recognizer},
      {"jest", make_jest_recognizer},
      {"vitest", make_vitest_recognizer},
      {"mocha", make_mocha_recognizer},
      {"node", make_node_recognizer},
      {"pytest", make_pytest_recognizer},
      {"unittest", make_unittest_recognizer},
      {"python-traceback", make_python_traceback_recognizer},
      {"go", make_go_recognizer},
      {"go-test", make_go_test_recognizer},
      {"go-panic", make_go_panic_recognizer},
      {"rustc", make_rustc_recognizer},
      {"rust-panic", make_rust_panic_recognizer},
      {"javac", make_javac_recognizer},
      {"maven", make_maven_recognizer},
      {"gradle", make_gradle_recognizer},
      {"java-exception", make_java_exception_recognizer},
      {"shell", make_shell_recognizer},
      {"out-of-memory", make_out_of_memory_recognizer},
  };
  return kTable;
}

}  // namespace reship::back::diagnostics
