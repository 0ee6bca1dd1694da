#include "back/api/origin.hpp"

#include "back/http/request.hpp"
#include "common/text/escape.hpp"

namespace reship::api {
namespace {

// The host of "HOST:PORT", "[::1]:PORT" or "HOST".
std::string_view host_name(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
  }
  const size_t colon = authority.rfind(':');
  return colon == std::string_view::npos ? authority : authority.substr(0, colon);
}

bool loopback_name(std::string_view host) {
  const std::string_view name = host_name(host);
  // 127.x.y.z as a literal: a DNS name that starts with "127." is not one.
  const bool ipv4_loopback = name.substr(0, 4) == "127." && name.find_first_not_of("0123456789.") == std::string_view::npos;
  return http::equals_ignore_case(name, "localhost") || name == "[::1]" || ipv4_loopback;
}

}  // namespace

bool same_origin(std::string_view origin, std::string_view host) {
  const size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view authority = origin.substr(scheme + 3);
  if (const size_t slash = authority.find('/'); slash != std::string_view::npos) authority = authority.substr(0, slash);
  if (http::equals_ignore_case(authority, host)) return true;
  // The default port may be left out of one of them.
  const std::string_view s = origin.substr(0, scheme);
  const std::string_view port = http::equals_ignore_case(s, "https") ? ":443" : ":80";
  const auto strip = [port](std::string_view v) {
    return v.size() > port.size() && v.substr(v.size() - port.size()) == port ? v.substr(0, v.size() - port.size())
                                                                                : v;
  };
  return http::equals_ignore_case(strip(authority), strip(host));
}

std::optional<std::string> origin_problem(std::optional<std::string_view> origin, std::string_view host,
                                          bool api_open) {
  if (!origin) return std::nullopt;
  if (!same_origin(*origin, host)) {
    return "Origin " + common::escape_controls(*origin) +
           " is not this server's: reship-back answers pages of its own origin, and clients that send no Origin";
  }
  if (api_open && !loopback_name(host)) {
    return "a page from " + common::escape_controls(host) +
           " may not use an API without tokens: open it as localhost or 127.0.0.1, or configure [[tokens]]";
  }
  return std::nullopt;
}

}  // namespace reship::api
