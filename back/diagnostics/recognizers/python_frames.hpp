#pragma once

// Reading a Python traceback, for the recognisers of tracebacks and of
// unittest, which prints one per failed test.

#include <optional>
#include <string>

#include "back/diagnostics/recognizer.hpp"

namespace reship::back::diagnostics {

/// Reads one traceback: "Traceback (most recent call last):", its frames
/// ("  File "/app/x.py", line 11, in f"), their code and carets, and the
/// exception line that ends it. Keeps only the innermost frame and the
/// innermost frame in the project.
class TracebackReader {
 public:
  /// True when `line` belonged to a traceback. After the exception line,
  /// finished() holds the diagnostic until the next call.
  bool line(const OutputLine& line);
  /// The diagnostic of the traceback that just ended: the exception as its
  /// message, placed at the innermost frame in the project (else the
  /// innermost frame), from `tool`.
  std::optional<Diagnostic> finished(std::string_view tool);
  bool inside() const { return inside_; }
  /// What the traceback holds so far, as if it ended here.
  std::optional<Diagnostic> so_far(std::string_view tool) const;

 private:
  struct Frame {
    std::string file;
    int line = 0;
  };

  Diagnostic make(std::string_view tool) const;

  bool inside_ = false;
  bool done_ = false;
  size_t started_at_ = 0;
  std::optional<Frame> innermost_;
  std::optional<Frame> project_;
  std::string exception_;
};

}  // namespace reship::back::diagnostics
