#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "back/diagnostics/recognizer.hpp"

namespace reship::back::diagnostics {

/// The diagnostics found in one output, in the order found. Bounded: at most
/// kPerKind causes and kPerKind follow-ons of each severity are kept, the
/// first ones, since later errors are most often consequences of the first.
/// The same problem reported twice (by two recognisers, or twice by a tool)
/// is kept once, with what each report knew.
class DiagnosticStore final : public DiagnosticSink {
 public:
  static constexpr size_t kPerKind = 20;
  /// Longest message, test name, expected or received value kept (bytes).
  static constexpr size_t kMaxText = 600;

  void add(Diagnostic d) override;
  /// Cuts each text of `d` to kMaxText (the code to 120 bytes) and marks it
  /// out_of_memory when its message says so.
  static void cap(Diagnostic& d);
  /// Gives the diagnostics seen from line `since` on, whose file is relative
  /// and whose folder is not known, the folder `dir`.
  void rebase(size_t since, std::string_view dir);

  const std::vector<Diagnostic>& all() const { return items_; }
  /// True when a diagnostic names a cause (not only a follow-on).
  bool has_cause() const;

 private:
  std::vector<Diagnostic> items_;
  size_t counts_[2][3] = {};
};

}  // namespace reship::back::diagnostics
