#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/duration.hpp"
#include "common/result.hpp"

namespace reship::cli {

/// Where reship-back listens: "http://HOST:PORT", "HOST:PORT" or "unix:PATH".
struct Endpoint {
  bool is_unix = false;
  std::string host;
  int port = 0;
  std::string path;

  static common::Result<Endpoint> parse(const std::string& url);
  /// "127.0.0.1:7070" or "unix:/run/reship/back.sock", for messages.
  std::string text() const;
};

struct HttpResult {
  int status = 0;
  /// The whole response arrived (a streamed body may have been cut off by
  /// the server going away, or stopped early by the caller).
  bool complete = false;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // empty when streamed

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

/// A blocking HTTP/1.1 client for the CLI: one request per connection, every
/// wait bounded, responses parsed with llhttp. Bodies may be streamed to a
/// callback as they arrive (Server-Sent Events, a log that is followed).
class HttpClient {
 public:
  HttpClient(Endpoint endpoint, std::string token) : endpoint_(std::move(endpoint)), token_(std::move(token)) {}

  /// Calls on_body for each piece of the body as it arrives (when set; the
  /// body is not kept then). `timeout` bounds the whole exchange; on_body
  /// may return false to stop reading early.
  /// `on_tick`, when set, runs every 100 ms while waiting (a spinner); it
  /// may return false to give up (the result is then an error).
  common::Result<HttpResult> request(const std::string& method, const std::string& target,
                                     const std::string& body, common::Millis timeout,
                                     const std::function<bool(std::string_view)>& on_body = nullptr,
                                     const std::function<bool()>& on_tick = nullptr);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  common::Result<int> connect();

  Endpoint endpoint_;
  std::string token_;
};

}  // namespace reship::cli
