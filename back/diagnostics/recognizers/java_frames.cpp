#include "back/diagnostics/recognizers/java_frames.hpp"

#include "back/diagnostics/location.hpp"

namespace reship::back::diagnostics {
namespace {

bool is_library_frame(std::string_view method) {
  for (const std::string_view prefix :
       {"java.", "javax.", "jdk.", "sun.", "com.sun.", "kotlin.", "kotlinx.", "scala.", "org.junit.", "junit.",
        "org.apache.maven.", "org.gradle.", "org.springframework.", "org.hibernate.", "io.netty.", "reactor."}) {
    if (method.starts_with(prefix)) return true;
  }
  return false;
}

// The value in "<...>" after `key` at s[from], with blanks allowed before '<'.
std::optional<std::string_view> bracketed_after(std::string_view s, std::string_view key, size_t& from) {
  const size_t at = s.find(key, from);
  if (at == std::string_view::npos) return std::nullopt;
  size_t i = at + key.size();
  while (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size() || s[i] != '<') return std::nullopt;
  const size_t close = s.find('>', i);
  if (close == std::string_view::npos) return std::nullopt;
  from = close + 1;
  return s.substr(i + 1, close - i - 1);
}

}  // namespace

std::optional<JavaPlace> java_frame_place(std::string_view frame) {
  const size_t open = frame.find('(');
  if (open == std::string_view::npos || !frame.ends_with(')')) return std::nullopt;
  const std::string_view method = frame.substr(0, open);
  if (is_library_frame(method)) return std::nullopt;
  auto at = colon_location(frame.substr(open + 1, frame.size() - open - 2));
  if (!at) return std::nullopt;
  const std::string_view cls = method.substr(0, method.rfind('.'));
  const size_t dot = cls.rfind('.');
  JavaPlace place{std::string(at->file), at->line};
  if (dot != std::string_view::npos) {
    std::string package(cls.substr(0, dot));
    for (char& c : package) {
      if (c == '.') c = '/';
    }
    place.file = package + "/" + place.file;
  }
  return place;
}

bool read_expected_but_was(std::string_view message, std::string& expected, std::string& received) {
  size_t from = 0;
  auto want = bracketed_after(message, "expected:", from);
  if (!want) return false;
  auto got = bracketed_after(message, "but was:", from);
  if (!got) return false;
  expected = std::string(*want);
  received = std::string(*got);
  return true;
}

}  // namespace reship::back::diagnostics
