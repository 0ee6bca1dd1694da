#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "back/http/request.hpp"

namespace reship::http {

/// Extra response headers given by a handler. The views must stay valid for
/// the call only. Headers the server manages (Content-Length,
/// Transfer-Encoding, Connection, Date) and any name that is not a token or
/// value holding CR, LF or NUL are dropped, so that nothing a client sent can
/// split a response.
using Headers = std::vector<Field>;

/// "OK", "Not Found"… ("Unknown" for codes this server never sends).
std::string_view status_text(int status);

/// {"error":{"code":"…","message":"…"}}: the body of every error the server
/// itself produces, and the shape routes are expected to use too.
std::string error_json(std::string_view code, std::string_view message);

/// Whether `name` is an RFC 9110 token (what a header name must be).
bool is_token(std::string_view name) noexcept;
/// Whether `value` may be sent as a header value (no CR, LF or NUL).
bool is_safe_header_value(std::string_view value) noexcept;

/// How the body of a response is delimited.
enum class Framing {
  length,   ///< Content-Length
  chunked,  ///< Transfer-Encoding: chunked
  close,    ///< until the connection closes (HTTP/1.0 streams)
  none,     ///< 1xx, 101, 204, 304: no body and no length
};

/// What append_response_head() writes.
struct ResponseHead {
  int status = 200;
  std::string_view content_type;  ///< omitted when empty
  const Headers* headers = nullptr;
  Framing framing = Framing::length;
  size_t content_length = 0;
  bool close = false;       ///< "Connection: close"
  bool keep_alive = false;  ///< "Connection: keep-alive" (for HTTP/1.0 clients)
};

/// Appends the status line and headers, through the blank line, to `out`.
void append_response_head(std::string& out, const ResponseHead& head);

/// Whether a response with this status carries no body (1xx, 204, 304).
constexpr bool status_has_no_body(int status) {
  return status < 200 || status == 204 || status == 304;
}

}  // namespace reship::http
