#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reship::api {

/// Whether `origin` (an Origin header) names the same host and port as
/// `host` (the Host header): what a page served by reship-back sends.
bool same_origin(std::string_view origin, std::string_view host);

/// Why a request that came from a web page (it has an Origin) is refused,
/// if it is: a page of another origin may not drive reship-back (cross-site
/// requests need no token's consent when the API is open), and with the API
/// open (no tokens) the page must come from a loopback name, so that a page
/// whose own name was pointed at 127.0.0.1 (DNS rebinding) is refused too.
/// Clients that are not browsers send no Origin and are not concerned.
std::optional<std::string> origin_problem(std::optional<std::string_view> origin, std::string_view host,
                                          bool api_open);

}  // namespace reship::api
