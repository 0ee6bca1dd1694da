#include "back/diagnostics/build_dirs.hpp"

#include <algorithm>

#include "back/diagnostics/paths.hpp"
#include "back/diagnostics/text.hpp"

namespace reship::back::diagnostics {
namespace {

// The quoted folder of "make[1]: Entering directory '/app/lib'" (GNU make
// quotes with '...' or `...').
std::optional<std::string_view> quoted_dir(std::string_view text, std::string_view after) {
  const size_t at = text.find(after);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(at + after.size());
  if (rest.size() < 2 || (rest.front() != '\'' && rest.front() != '`')) return std::nullopt;
  rest.remove_prefix(1);
  const size_t end = rest.find('\'');
  if (end == std::string_view::npos) return std::nullopt;
  return rest.substr(0, end);
}

bool is_make(std::string_view text) {
  const size_t colon = text.find(": ");
  if (colon == std::string_view::npos) return false;
  const std::string_view tool = text.substr(0, colon);
  return tool.starts_with("make") || tool.starts_with("gmake");
}

// Splits "WORD WORD<sep>" off the start: pnpm -r's "packages/web build$ cmd"
// and "packages/web build: output".
std::optional<std::string_view> two_words_then(std::string_view text, std::string_view sep) {
  const size_t space = text.find(' ');
  if (space == std::string_view::npos || space == 0 || space > 256) return std::nullopt;
  const size_t end = text.find(sep, space + 1);
  if (end == std::string_view::npos || end == space + 1) return std::nullopt;
  const std::string_view words = text.substr(0, end);
  if (words.find(' ', space + 1) != std::string_view::npos) return std::nullopt;
  return words;
}

}  // namespace

BuildDirectories::Seen BuildDirectories::see(const OutputLine& line) {
  Seen seen;
  seen.text = line.text;
  std::string_view text = line.text;
  std::string line_dir;

  if (auto words = two_words_then(text, "$ ")) {
    if (prefixes_.size() < 64 && std::find(prefixes_.begin(), prefixes_.end(), *words) == prefixes_.end()) {
      prefixes_.emplace_back(*words);
    }
  } else if (auto prefixed = two_words_then(text, ": ");
             prefixed && std::find(prefixes_.begin(), prefixes_.end(), *prefixed) != prefixes_.end()) {
    line_dir = std::string(prefixed->substr(0, prefixed->find(' ')));
    seen.text = text.substr(prefixed->size() + 2);
  }

  if (is_make(text)) {
    if (auto dir = quoted_dir(text, "Entering directory ")) {
      if (make_dirs_.size() < kMaxDepth) make_dirs_.emplace_back(*dir);
    } else if (quoted_dir(text, "Leaving directory ") && !make_dirs_.empty()) {
      make_dirs_.pop_back();
    }
  } else if (text.starts_with("ninja: Entering directory ")) {
    if (auto dir = quoted_dir(text, "Entering directory ")) ninja_dir_ = std::string(*dir);
  } else if (text.starts_with("> ")) {
    // pnpm: "> name@1.0.0 build /abs/dir"; npm: "> name@1.0.0 build".
    const std::string_view rest = text.substr(2);
    const size_t a = rest.find(' ');
    if (a != std::string_view::npos && a > 0 && contains(rest.substr(0, a), "@")) {
      const size_t b = rest.find(' ', a + 1);
      if (b == std::string_view::npos) {
        npm_script_since_ = line.number;
      } else if (rest.size() > b + 1 && rest[b + 1] == '/') {
        script_dir_ = std::string(rest.substr(b + 1));
      }
    }
  } else if (text.starts_with("npm error path /") || text.starts_with("npm ERR! path /")) {
    if (npm_script_since_) {
      seen.rebase_since = npm_script_since_;
      seen.rebase_dir = std::string(trim(text.substr(text.find('/'))));
      npm_script_since_.reset();
    }
  }

  const std::string& base = !make_dirs_.empty() ? make_dirs_.back() : !ninja_dir_.empty() ? ninja_dir_ : script_dir_;
  current_ = line_dir.empty() ? base : join_path(base, line_dir);
  if (history_.empty() ? !current_.empty() : history_.back().second != current_) {
    history_.emplace_back(line.number, current_);
    if (history_.size() > kHistory) history_.pop_front();
  }
  return seen;
}

const std::string& BuildDirectories::at(size_t number) const {
  static const std::string kWorkdir;
  if (history_.empty()) return kWorkdir;
  for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
    if (it->first <= number) return it->second;
  }
  // Before the first change kept: the workdir, unless older changes were dropped.
  return history_.size() < kHistory ? kWorkdir : history_.front().second;
}

}  // namespace reship::back::diagnostics
