#pragma once

// JVM stack frames, for the recognisers of JVM exceptions and of Maven's
// test reports.

#include <optional>
#include <string>
#include <string_view>

namespace reship::back::diagnostics {

/// Where a frame ("shop.Server.port(Server.java:8)", after "at ") points:
/// the file under its package's folders ("shop/Server.java", which ends the
/// real path whatever the source root) and the line. Nothing for frames of
/// the JDK and the usual libraries (java., kotlin., org.junit., Spring...)
/// or without a line.
struct JavaPlace {
  std::string file;
  int line = 0;
};
std::optional<JavaPlace> java_frame_place(std::string_view frame);

/// Reads "expected:<500> but was:<300>" (JUnit 4) or "expected: <5> but
/// was: <6>" (JUnit 5, Surefire) into its two values.
bool read_expected_but_was(std::string_view message, std::string& expected, std::string& received);

}  // namespace reship::back::diagnostics
