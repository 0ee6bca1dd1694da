#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "back/diagnostics/diagnostic.hpp"

namespace reship::back::diagnostics {

/// One line of output as recognisers see it.
struct OutputLine {
  std::string_view text;     ///< terminal_text(): no escapes, valid UTF-8, at most kMaxLineBytes
  size_t number = 0;         ///< its index in the output, from 0
  std::string_view workdir;  ///< where the build runs (may be empty), for is_third_party()
};

/// Where recognisers put what they found.
class DiagnosticSink {
 public:
  virtual void add(Diagnostic diagnostic) = 0;

 protected:
  ~DiagnosticSink() = default;
};

/// Reads one toolchain's output, line by line, and reports its diagnostics.
/// A recogniser keeps a bounded state (a diagnostic waiting for its location
/// line, the test a block of output belongs to), does work linear in each
/// line, never throws, and is not shared between analyses.
class Recognizer {
 public:
  virtual ~Recognizer() = default;
  /// Looks at the next line; may add diagnostics to `out`.
  virtual void line(const OutputLine& line, DiagnosticSink& out) = 0;
  /// Adds what it still holds, as if the output ended here, without
  /// forgetting it (the output may go on).
  virtual void pending(DiagnosticSink& out) const { (void)out; }
};

/// A recogniser that holds at most one diagnostic until it is complete.
class HoldingRecognizer : public Recognizer {
 public:
  void pending(DiagnosticSink& out) const override {
    if (held_) out.add(*held_);
  }

 protected:
  void flush(DiagnosticSink& out) {
    if (held_) out.add(std::move(*held_));
    held_.reset();
  }
  std::optional<Diagnostic> held_;
};

/// A diagnostic begun on `line` by `tool`.
inline Diagnostic begin_diagnostic(const OutputLine& line, std::string_view tool, Severity severity = Severity::error) {
  Diagnostic d;
  d.tool = std::string(tool);
  d.severity = severity;
  d.seen_at = line.number;
  return d;
}

}  // namespace reship::back::diagnostics
