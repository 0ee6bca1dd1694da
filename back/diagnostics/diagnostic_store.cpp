#include "back/diagnostics/diagnostic_store.hpp"

#include "back/diagnostics/oom.hpp"
#include "back/diagnostics/text.hpp"

namespace reship::back::diagnostics {
namespace {

bool same_problem(const Diagnostic& a, const Diagnostic& b) {
  return a.line == b.line && a.file == b.file && a.base_dir == b.base_dir && a.message == b.message;
}

void fill(std::string& into, std::string& from) {
  if (into.empty()) into = std::move(from);
}

}  // namespace

void DiagnosticStore::cap(Diagnostic& d) {
  d.message = shorten(d.message, kMaxText);
  d.test = shorten(d.test, kMaxText);
  d.expected = shorten(d.expected, kMaxText);
  d.received = shorten(d.received, kMaxText);
  d.file = shorten(d.file, kMaxText);
  d.tool = shorten(d.tool, 120);
  d.code = shorten(d.code, 120);
  // Whoever said it, a message about memory running out is one.
  if (!d.out_of_memory) d.out_of_memory = out_of_memory_text(d.message).has_value();
}

void DiagnosticStore::add(Diagnostic d) {
  if (d.message.empty() && d.file.empty()) return;
  cap(d);
  for (auto& kept : items_) {
    if (!same_problem(kept, d)) continue;
    // The report that names the test knows the most about a failed test.
    if (kept.test.empty() && !d.test.empty()) kept.tool = d.tool;
    fill(kept.test, d.test);
    fill(kept.expected, d.expected);
    fill(kept.received, d.received);
    fill(kept.code, d.code);
    if (kept.column == 0) kept.column = d.column;
    kept.follow_on = kept.follow_on && d.follow_on;
    kept.out_of_memory = kept.out_of_memory || d.out_of_memory;
    return;
  }
  size_t& count = counts_[d.follow_on ? 1 : 0][static_cast<size_t>(d.severity)];
  if (count >= kPerKind) return;
  ++count;
  items_.push_back(std::move(d));
}

void DiagnosticStore::rebase(size_t since, std::string_view dir) {
  for (auto& d : items_) {
    if (d.seen_at >= since && !d.file.empty() && d.base_dir.empty() && !d.file.starts_with('/')) {
      d.base_dir = std::string(dir);
    }
  }
}

bool DiagnosticStore::has_cause() const {
  for (const auto& d : items_) {
    if (!d.follow_on) return true;
  }
  return false;
}

}  // namespace reship::back::diagnostics
