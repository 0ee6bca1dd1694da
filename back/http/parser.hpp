#pragma once

#include <llhttp.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "back/http/request.hpp"

namespace reship::http {

/// Size limits applied while parsing, before any handler runs.
struct ParserLimits {
  size_t max_body_bytes = 64 * 1024;    ///< larger bodies get 413
  size_t max_header_bytes = 16 * 1024;  ///< request line + headers; beyond: 431
  size_t max_headers = 100;             ///< more header lines get 431
};

/// Why a request was refused before reaching the handler.
struct ParseError {
  int status = 0;         ///< 400, 413, 417, 431 or 505
  std::string_view code;  ///< "bad_request", "body_too_large", "headers_too_large"…
  std::string message;    ///< for the client; never contains request bytes
};

/// An incremental HTTP/1.x request parser (llhttp in request mode) that
/// applies ParserLimits and fills a Request. It stops after each complete
/// request so that the caller answers requests strictly one at a time:
///
///   auto r = parser.feed(bytes);        // consumed some bytes
///   if (r.status == Status::request) {  // parser.request() is complete
///     …answer it…; parser.next();       // then feed the rest
///   }
///
/// No sockets: this is the unit the fuzz target drives.
class RequestParser {
 public:
  enum class Status {
    need_more,  ///< every byte was consumed; the request is not complete yet
    request,    ///< request() is complete; `consumed` bytes were used
    error,      ///< error() says why; the connection must be closed
  };
  /// Where the parser is in the current request (for timeouts).
  enum class Phase { idle, headers, body };
  struct FeedResult {
    size_t consumed;
    Status status;
  };

  explicit RequestParser(const ParserLimits& limits);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  /// Parses as much of `data` as belongs to the current request.
  FeedResult feed(std::string_view data);
  /// Forgets the completed request and makes the parser ready for the next
  /// one on the same connection. Not for upgrade requests (the bytes after
  /// them are not HTTP).
  void next();

  Phase phase() const { return phase_; }
  /// The request in progress or, after Status::request, the complete one.
  Request& request() { return request_; }
  const ParseError& error() const { return error_; }
  /// Whether the request carries "Expect: 100-continue" and its body has not
  /// started yet: the caller should send "100 Continue".
  bool expects_continue() const { return expects_continue_; }

 private:
  friend struct ParserCallbacks;

  int fail(int status, std::string_view code, std::string message);
  bool count_header_bytes(size_t n);
  int headers_complete();

  llhttp_t parser_;
  ParserLimits limits_;
  Request request_;
  ParseError error_;
  Phase phase_ = Phase::idle;
  size_t header_bytes_ = 0;      // request line and header bytes of this request
  size_t raw_header_bytes_ = 0;  // every byte fed while still in the headers
  size_t field_start_ = 0;
  size_t name_length_ = 0;
  size_t name_bytes_ = 0;  // of the field name being read (an empty one is refused)
  bool in_value_ = false;
  bool expects_continue_ = false;
  bool complete_ = false;
};

/// What parse_requests() saw.
struct ParseSummary {
  size_t requests = 0;              ///< complete requests
  std::optional<ParseError> error;  ///< set when the bytes were refused
  bool upgraded = false;            ///< stopped after an upgrade request
};

/// Feeds `bytes` through a fresh parser as one connection's input, in pieces
/// of `chunk` bytes (0: all at once), calling `on_request` for each complete
/// request. Pure and socket-free: the entry point for fuzzing.
ParseSummary parse_requests(std::string_view bytes, const ParserLimits& limits, size_t chunk = 0,
                            const std::function<void(const Request&)>& on_request = {});

}  // namespace reship::http
