#include "back/http/url.hpp"

namespace reship::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  size_t i = 0;
  while (i < in.size()) {
    // Copy the run of plain bytes in one go: most targets have no escapes.
    size_t j = i;
    while (j < in.size() && in[j] != '%' && !(plus_is_space && in[j] == '+')) ++j;
    out.append(in.data() + i, j - i);
    if (j == in.size()) break;
    if (in[j] == '+') {
      out.push_back(' ');
      i = j + 1;
      continue;
    }
    if (j + 2 >= in.size()) return false;
    const int hi = hex_value(in[j + 1]);
    const int lo = hex_value(in[j + 2]);
    if (hi < 0 || lo < 0) return false;
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return false;
    out.push_back(c);
    i = j + 3;
  }
  return true;
}

bool split_target(std::string_view target, TargetParts& parts) {
  if (target == "*") {
    parts.path = "/";
    parts.query = {};
    return true;
  }
  std::string_view rest = target;
  if (rest.empty()) return false;
  if (rest.front() != '/') {
    // absolute-form: scheme "://" authority path-abempty [ "?" query ]
    const size_t scheme_end = rest.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) return false;
    rest.remove_prefix(scheme_end + 3);
    const size_t path_start = rest.find_first_of("/?#");
    if (path_start == std::string_view::npos) {
      parts.path = "/";
      parts.query = {};
      return true;
    }
    rest.remove_prefix(path_start);
  }
  const size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  const size_t question = rest.find('?');
  if (question == std::string_view::npos) {
    parts.path = rest;
    parts.query = {};
  } else {
    parts.path = rest.substr(0, question);
    parts.query = rest.substr(question + 1);
  }
  if (parts.path.empty()) parts.path = "/";
  return true;
}

}  // namespace reship::http
