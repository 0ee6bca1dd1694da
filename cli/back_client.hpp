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

  /// How long a call waits for reship-back to come back from a restart
  /// (its own self-restart, or the supervisor's edge bounce) once it has
  /// answered this command at least once.
  static constexpr common::Millis kRestartWindow{60'000};
  /// How long a first contact that is refused is tried again: long enough
  /// for reship-back's own restart (well under a second) and a bounce of the
  /// supervisor under Docker or systemd (a few seconds), short enough that a
  /// reship-back that is simply not running is reported soon.
  static constexpr common::Millis kFirstContactWindow{10'000};
  /// Whether a request may be sent again when it may have reached the
  /// server already (a connection dropped after sending it).
  enum class Resend { safe, only_if_unsent };

  /// As call(), through reship-back's restart window: a connection refused
  /// (or the socket gone), a 503 shutting_down or too_many_connections and,
  /// for `Resend::safe`, a connection dropped mid-way are tried again,
  /// backing off (or as Retry-After says), for up to kRestartWindow, or
  /// kFirstContactWindow while reship-back has not answered this command yet
  /// and refuses connections. A 503 restarting is an answer (it names the
  /// deploy that stays queued).
  common::Result<HttpResult> call_through_restarts(const std::string& method, const std::string& target,
                                                   Resend resend, const std::string& body = "",
                                                   common::Millis timeout = common::Millis(30'000));
  HttpClient& http() { return http_; }
  /// reship-back is known to be restarting (a deploy said selfRestart
  /// "pending"): waiting for it is expected, and said only when it is long.
  void expect_restart() { quiet_ = common::Millis(10'000); }
  /// "cannot reach reship-back at 127.0.0.1:7070: Connection refused — is it running? see `reship ps`"
  std::string explain(const common::Error& error) const;

 private:
  explicit BackClient(HttpClient http) : http_(std::move(http)) {}
  /// Whether reship-back answered this command already.
  bool answered_ = false;
  common::Millis quiet_{1000};
  /// Turns transport errors and refusals into errors that say what to do.
  common::Result<HttpResult> check(common::Result<HttpResult> result) const;
  HttpClient http_;
};

/// The message of an API error body {"error":{"code":…,"message":…}}, or the
/// body itself.
std::string api_error_message(const HttpResult& result);
/// The code of an API error body, or "".
std::string api_error_code(const HttpResult& result);

/// How a call that failed or was refused for a passing reason should be
/// retried through reship-back's restart window, and for how long: the
/// pause before each attempt and the last failure, for the message when the
/// window closes. Used by BackClient and by the commands that stream.
class RestartWindow {
 public:
  /// Waits of less than `quiet` in all go unannounced.
  explicit RestartWindow(common::Millis limit = BackClient::kRestartWindow, common::Millis quiet = common::Millis(1000));

  /// After a failed attempt (`why`): waits before the next one (`retry_after`
  /// when the server said so) and returns true, or false once waiting would
  /// pass the window. The first long wait is announced on stderr.
  bool wait_again(const std::string& why, common::Millis retry_after = common::Millis(0));
  /// Narrows or widens the window (from when it started).
  void set_limit(common::Millis limit) { limit_ = limit; }
  common::Millis limit() const { return limit_; }
  /// Progress was made (an answer, a byte of a stream): the window starts over.
  void progressed();
  const std::string& last_failure() const { return why_; }

  /// Whether a transport error means reship-back may be restarting: the
  /// request was not taken (refused, no socket) or, when `sent_is_safe`, the
  /// connection dropped.
  static bool passing(const common::Error& error, bool sent_is_safe);
  /// Whether an answer means "come back in a moment" (503 shutting_down or
  /// too_many_connections); sets `retry_after` from the header.
  static bool passing(const HttpResult& result, common::Millis& retry_after);

 private:
  common::Millis limit_;
  common::Millis quiet_;
  int64_t started_ms_;
  int attempts_ = 0;
  bool told_ = false;
  std::string why_;
};

/// A field of a JSON object, or "".
std::string json_string(simdjson::dom::element e, const char* key);
int64_t json_int(simdjson::dom::element e, const char* key, int64_t fallback = 0);
bool json_bool(simdjson::dom::element e, const char* key, bool fallback = false);

}  // namespace reship::cli
