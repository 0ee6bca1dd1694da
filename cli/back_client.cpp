#include "cli/back_client.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "common/time.hpp"

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
  return check(std::move(result));
}

common::Result<HttpResult> BackClient::call_through_restarts(const std::string& method, const std::string& target,
                                                             Resend resend, const std::string& body,
                                                             common::Millis timeout) {
  RestartWindow window(kRestartWindow, quiet_);
  while (true) {
    auto result = http_.request(method, target, body, timeout);
    common::Millis retry_after{0};
    std::string why;
    const bool refused = !result && (result.error().sys_errno == ECONNREFUSED || result.error().sys_errno == ENOENT);
    // Refused before reship-back ever answered: it may be restarting, or
    // simply not running; the latter is reported soon.
    window.set_limit(refused && !answered_ ? kFirstContactWindow : kRestartWindow);
    if (result) answered_ = true;
    if (!result) {
      if (!RestartWindow::passing(result.error(), resend == Resend::safe)) return check(std::move(result));
      why = result.error().message;
    } else if (RestartWindow::passing(*result, retry_after)) {
      why = api_error_message(*result);
    } else {
      return check(std::move(result));
    }
    if (!window.wait_again(why, retry_after)) {
      if (refused && !answered_) return check(std::move(result));
      return common::Error{"reship-back at " + http_.endpoint().text() + " has not come back within " +
                           common::format_duration(window.limit()) + " (" + why + ")"};
    }
  }
}

common::Result<HttpResult> BackClient::check(common::Result<HttpResult> result) const {
  if (!result) return common::Error{explain(result.error()), result.error().sys_errno};
  if (result->status == 401) {
    return common::Error{api_error_message(*result) + " (pass --token-file FILE or set RESHIP_TOKEN)"};
  }
  if (result->status >= 400 && result->status != 409 && result->status != 500) {
    return common::Error{api_error_message(*result)};
  }
  return result;
}

std::string api_error_code(const HttpResult& result) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(result.body);
  std::string_view code;
  if (!doc.error() && !doc["error"]["code"].get_string().get(code)) return std::string(code);
  return "";
}

RestartWindow::RestartWindow(common::Millis limit, common::Millis quiet)
    : limit_(limit), quiet_(quiet), started_ms_(common::monotonic_ms()) {}

bool RestartWindow::passing(const common::Error& error, bool sent_is_safe) {
  switch (error.sys_errno) {
    case ECONNREFUSED:
    case ENOENT:  // the Unix socket is removed while reship-back restarts
      return true;
    case ECONNRESET:
    case EPIPE:
      return sent_is_safe;
    default:
      return false;
  }
}

bool RestartWindow::passing(const HttpResult& result, common::Millis& retry_after) {
  if (result.status != 503) return false;
  const std::string code = api_error_code(result);
  if (code != "shutting_down" && code != "too_many_connections") return false;
  int64_t seconds = 1;
  const std::string header = result.header("retry-after");
  if (!header.empty() && header.find_first_not_of("0123456789") == std::string::npos && header.size() < 4) {
    seconds = std::stoll(header);
  }
  retry_after = common::Millis(std::min<int64_t>(seconds, 5) * 1000);
  return true;
}

bool RestartWindow::wait_again(const std::string& why, common::Millis retry_after) {
  why_ = why;
  // 100 ms, then doubling up to 2 s: a restart of reship-back takes well
  // under a second, a bounce of the supervisor a few.
  const int64_t backoff = std::min<int64_t>(100LL << std::min(attempts_, 5), 2000);
  const int64_t pause = retry_after.count() > 0 ? retry_after.count() : backoff;
  const int64_t now = common::monotonic_ms();
  if (now + pause - started_ms_ > limit_.count()) return false;
  if (!told_ && now - started_ms_ + pause >= quiet_.count()) {
    told_ = true;
    print_error("reship-back is not answering (" + why + "); it may be restarting: trying again for up to " +
                common::format_duration(limit_));
  }
  ++attempts_;
  ::usleep(static_cast<useconds_t>(pause * 1000));
  return true;
}

void RestartWindow::progressed() {
  started_ms_ = common::monotonic_ms();
  attempts_ = 0;
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
