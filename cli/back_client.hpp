#pragma once

#include <optional>
#include <string>

#include <simdjson.h>

#include "cli/cli_context.hpp"
#include "cli/http_client.hpp"

namespace reship::cli {

/// The CLI's view of reship-back: its address and token from the flags,
/// the environment and the config, and calls that turn every failure into a
/// message saying what to do.
class BackClient {
 public:
  /// Resolves --url (else the config's first [back] listen) and the token
  /// (--token-file, else $RESHIP_TOKEN).
  static common::Result<BackClient> from(CliContext& ctx);

  /// A request whose answer must be 2xx JSON (or the given status). The
  /// error carries the server's own message ("unknown scope ...").
  common::Result<HttpResult> call(const std::string& method, const std::string& target, const std::string& body = "",
                                  common::Millis timeout = common::Millis(30'000));
  HttpClient& http() { return http_; }
  /// "cannot reach reship-back at 127.0.0.1:7070: Connection refused — is it running? see `reship ps`"
  std::string explain(const common::Error& error) const;

 private:
  explicit BackClient(HttpClient http) : http_(std::move(http)) {}
  HttpClient http_;
};

/// The message of an API error body {"error":{"code":…,"message":…}}, or the
/// body itself.
std::string api_error_message(const HttpResult& result);

/// A field of a JSON object, or "".
std::string json_string(simdjson::dom::element e, const char* key);
int64_t json_int(simdjson::dom::element e, const char* key, int64_t fallback = 0);
bool json_bool(simdjson::dom::element e, const char* key, bool fallback = false);

}  // namespace reship::cli
