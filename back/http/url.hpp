#pragma once

#include <string>
#include <string_view>

namespace reship::http {

/// Appends the percent-decoded form of `in` to `out`. With `plus_is_space`
/// (query strings, per application/x-www-form-urlencoded) '+' becomes ' '.
/// Returns false, leaving `out` partly written, on a malformed escape ("%4",
/// "%zz") or an escaped NUL ("%00"), which no route or parameter may contain.
[[nodiscard]] bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);

/// The parts of a request target (RFC 9112 section 3.2).
struct TargetParts {
  std::string_view path;   ///< still encoded; "/" for the asterisk and authority forms
  std::string_view query;  ///< without the '?', empty when absent
};

/// Splits an origin-form ("/a/b?x=1") or absolute-form ("http://h/a?x=1")
/// target into path and query; a fragment ("#…", which clients should not
/// send) is dropped. Returns false for a target that is neither, nor "*".
[[nodiscard]] bool split_target(std::string_view target, TargetParts& parts);

/// Calls `fn(name, value)` with the raw (still encoded) pieces of each
/// "name=value" pair of a query string, skipping empty pairs ("a=1&&b=2").
template <class Fn>
void for_each_query_pair(std::string_view query, Fn&& fn) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      fn(pair, std::string_view());
    } else {
      fn(pair.substr(0, eq), pair.substr(eq + 1));
    }
  }
}

}  // namespace reship::http
