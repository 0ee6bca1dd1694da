#include "cli/back_client.hpp"

#include <fstream>
#include <sstream>

namespace reship::cli {

common::Result<BackClient> BackClient::from(CliContext& ctx) {
  std::string url = ctx.url_flag;
  if (url.empty()) {
    auto config = ctx.config();
    if (!config) {
      return common::Error{config.error().message + "\n(or pass --url http://HOST:PORT to reach reship-back directly)"};
    }
    const auto& listen = (*config)->back.listen.front();
    url = listen.is_unix ? "unix:" + listen.path.string() : listen.host + ":" + std::to_string(listen.port);
  }
  auto endpoint = Endpoint::parse(url);
  if (!endpoint) return std::move(endpoint).error();
  std::string token;
  if (!ctx.token_file.empty()) {
    std::ifstream in(ctx.token_file);
    if (!in) return common::Error{"cannot read the token file " + ctx.token_file};
    std::getline(in, token);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  } else if (const char* env = std::getenv("RESHIP_TOKEN")) {
    token = env;
  }
  return BackClient(HttpClient(std::move(*endpoint), std::move(token)));
}

std::string BackClient::explain(const common::Error& error) const {
  if (error.sys_errno == ECONNREFUSED || error.sys_errno == ENOENT) {
    return error.message + " — is it running? see `reship ps`";
  }
  return error.message;
}

common::Result<HttpResult> BackClient::call(const std::string& method, const std::string& target,
                                            const std::string& body, common::Millis timeout) {
  auto result = http_.request(method, target, body, timeout);
  if (!result) return common::Error{explain(result.error()), result.error().sys_errno};
  if (result->status == 401) {
    return common::Error{api_error_message(*result) + " (pass --token-file FILE or set RESHIP_TOKEN)"};
  }
  if (result->status >= 400 && result->status != 409 && result->status != 500) {
    return common::Error{api_error_message(*result)};
  }
  return result;
}

std::string api_error_message(const HttpResult& result) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(result.body);
  std::string_view message;
  if (!doc.error() && !doc["error"]["message"].get_string().get(message)) return std::string(message);
  return "reship-back answered " + std::to_string(result.status) + ": " + result.body.substr(0, 200);
}

std::string json_string(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v)) return "";
  return std::string(v);
}

bool json_bool(simdjson::dom::element e, const char* key, bool fallback) {
  bool v = false;
  if (e[key].get_bool().get(v)) return fallback;
  return v;
}

int64_t json_int(simdjson::dom::element e, const char* key, int64_t fallback) {
  int64_t v = 0;
  if (e[key].get_int64().get(v)) return fallback;
  return v;
}

}  // namespace reship::cli
