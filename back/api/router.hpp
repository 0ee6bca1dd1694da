#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "back/http/exchange.hpp"
#include "back/http/request.hpp"

namespace reship::api {

/// Values of the {placeholders} of a route pattern ("{id}" -> "d-2026…").
using Params = std::map<std::string, std::string, std::less<>>;
using RouteFn = std::function<void(http::Request&, const std::shared_ptr<http::Exchange>&, const Params&)>;

/// Maps method and path to a handler. Patterns are literal segments and
/// {name} placeholders ("/api/v1/deploys/{id}/log"). An unknown path is 404;
/// a known path with another method is 405 with Allow (HEAD goes with GET).
class Router {
 public:
  void add(std::string method, std::string pattern, RouteFn fn);
  void dispatch(http::Request& request, const std::shared_ptr<http::Exchange>& exchange) const;
  /// Every (method, pattern) registered, for the OpenAPI check.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteFn fn;
  };
  static bool match(const Route& route, const std::vector<std::string_view>& segments, Params& params);

  std::vector<Route> routes_;
};

}  // namespace reship::api
