#include "back/diagnostics/analyzer.hpp"

#include <algorithm>

#include "back/diagnostics/oom.hpp"
#include "back/diagnostics/paths.hpp"
#include "back/diagnostics/recognizers.hpp"
#include "back/diagnostics/text.hpp"

namespace reship::back::diagnostics {
namespace {

// Gives each diagnostic the folder its tool ran in when it began.
class PlacingSink final : public DiagnosticSink {
 public:
  PlacingSink(DiagnosticStore& store, const BuildDirectories& dirs) : store_(store), dirs_(dirs) {}
  void add(Diagnostic d) override {
    if (d.base_dir.empty() && !d.file.empty()) d.base_dir = dirs_.at(d.seen_at);
    store_.add(std::move(d));
  }

 private:
  DiagnosticStore& store_;
  const BuildDirectories& dirs_;
};

void resolve(Diagnostic& d, std::string_view workdir) {
  if (d.file.empty()) return;
  d.file = shorten(project_path(join_path(d.base_dir, d.file), workdir), DiagnosticStore::kMaxText);
  d.base_dir.clear();
}

void rank(std::vector<Diagnostic>& items, std::string_view workdir) {
  const auto key = [&](const Diagnostic& d) {
    const bool third_party = !d.file.empty() && is_third_party(d.file, workdir);
    return std::make_tuple(d.follow_on, static_cast<int>(d.severity), third_party, d.seen_at);
  };
  std::stable_sort(items.begin(), items.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
}

}  // namespace

Analyzer::Analyzer(std::string workdir) : workdir_(std::move(workdir)), generic_(make_generic_recognizer()) {
  while (workdir_.size() > 1 && workdir_.back() == '/') workdir_.pop_back();
  for (const auto& entry : recognizer_table()) recognizers_.push_back(entry.make());
}

Analyzer::~Analyzer() = default;
Analyzer::Analyzer(Analyzer&&) noexcept = default;
Analyzer& Analyzer::operator=(Analyzer&&) noexcept = default;

void Analyzer::add(std::string_view raw) {
  const std::string text = terminal_text(raw);
  OutputLine line{text, lines_++, workdir_};
  const auto seen = dirs_.see(line);
  if (seen.rebase_since) found_.rebase(*seen.rebase_since, seen.rebase_dir);
  telling_.add(text);
  line.text = seen.text;
  PlacingSink found(found_, dirs_);
  for (auto& r : recognizers_) r->line(line, found);
  PlacingSink guessed(guessed_, dirs_);
  generic_->line(line, guessed);
}

void Analyzer::add_structured(std::vector<Diagnostic> diagnostics) {
  for (auto& d : diagnostics) {
    if (structured_.size() >= kMaxDiagnostics * 4) break;
    DiagnosticStore::cap(d);
    structured_.push_back(std::move(d));
  }
}

Analysis Analyzer::result() const {
  DiagnosticStore found = found_;
  DiagnosticStore guessed = guessed_;
  {
    PlacingSink sink(found, dirs_);
    for (const auto& r : recognizers_) r->pending(sink);
    PlacingSink guesses(guessed, dirs_);
    generic_->pending(guesses);
  }
  Analysis out;
  out.recognised = found.has_cause() || !structured_.empty();
  out.telling_lines = telling_.lines();

  std::vector<Diagnostic> text = found.all();
  if (!found.has_cause()) {
    // Nothing recognised: the generic guesses, before the follow-ons.
    for (const auto& d : guessed.all()) text.push_back(d);
  }
  for (auto& d : text) resolve(d, workdir_);
  rank(text, workdir_);

  std::vector<Diagnostic> structured = structured_;
  for (auto& d : structured) resolve(d, workdir_);
  rank(structured, workdir_);

  for (auto& d : structured) {
    if (out.diagnostics.size() >= kMaxDiagnostics) break;
    out.diagnostics.push_back(std::move(d));
  }
  const size_t from_files = out.diagnostics.size();
  for (auto& d : text) {
    if (out.diagnostics.size() >= kMaxDiagnostics) break;
    const bool known = std::any_of(out.diagnostics.begin(), out.diagnostics.begin() + static_cast<long>(from_files),
                                   [&](const Diagnostic& s) { return s.line == d.line && s.file == d.file; });
    if (!known || d.file.empty()) out.diagnostics.push_back(std::move(d));
  }
  for (const auto& d : found.all()) {
    if (d.out_of_memory) {
      out.out_of_memory = out_of_memory_text(d.message).value_or(d.message);
      break;
    }
  }
  return out;
}

Analysis analyze_text(std::string_view text, std::string workdir) {
  Analyzer analyzer(std::move(workdir));
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    analyzer.add(text.substr(start, end - start));
    start = end + 1;
  }
  return analyzer.result();
}

}  // namespace reship::back::diagnostics
