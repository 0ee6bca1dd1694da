#include "back/api/router.hpp"

namespace reship::api {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

void Router::add(std::string method, std::string pattern, RouteFn fn) {
  Route r{std::move(method), pattern, {}, std::move(fn)};
  for (auto s : split_path(pattern)) r.segments.emplace_back(s);
  routes_.push_back(std::move(r));
}

bool Router::match(const Route& route, const std::vector<std::string_view>& segments, Params& params) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segments[i].empty()) return false;
      params[want.substr(1, want.size() - 2)] = std::string(segments[i]);
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

void Router::dispatch(http::Request& request, const std::shared_ptr<http::Exchange>& exchange) const {
  const std::string_view path = request.path();
  if (path.empty() || path.front() != '/') {
    exchange->respond_error(404, "not_found", "no such route");
    return;
  }
  const auto segments = split_path(path);
  const std::string_view method = request.is_head() ? "GET" : request.method();
  std::string allow;
  for (const auto& route : routes_) {
    Params params;
    if (!match(route, segments, params)) continue;
    if (route.method == method) {
      route.fn(request, exchange, params);
      return;
    }
    if (allow.find(route.method) == std::string::npos) {
      allow += (allow.empty() ? "" : ", ") + route.method;
      if (route.method == "GET") allow += ", HEAD";
    }
  }
  if (!allow.empty()) {
    exchange->respond_error(405, "method_not_allowed",
                            std::string(request.method()) + " is not allowed here; use " + allow, {{"Allow", allow}});
    return;
  }
  exchange->respond_error(404, "not_found", "no route for " + std::string(path) + "; see docs/http-api.md");
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace reship::api
