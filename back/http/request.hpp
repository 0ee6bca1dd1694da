#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reship::http {

/// A header or query parameter: views into the Request that holds it.
struct Field {
  std::string_view name;
  std::string_view value;
};

/// One parsed HTTP request, as the handler sees it.
///
/// The connection owns it and reuses its buffers for the next request on the
/// same connection, so a handler that answers later must copy what it needs:
/// the views it returns stay valid while the handler runs and until its
/// exchange completes, no longer.
class Request {
 public:
  /// "GET", "POST"… (static storage).
  std::string_view method() const { return method_; }
  bool is_head() const { return method_ == "HEAD"; }
  /// The request target exactly as sent ("/api/v1/deploys?limit=5").
  std::string_view target() const { return target_; }
  /// The percent-decoded path of the target ("/api/v1/deploys"). "%2F"
  /// decodes to '/' too: target() tells such paths apart.
  std::string_view path() const { return path_; }
  /// The raw query string, without '?' (still encoded).
  std::string_view query_string() const { return query_string_; }
  /// The decoded value of the first query parameter called `name` (which is
  /// compared after decoding), or nullopt. "?tail" gives an empty value.
  std::optional<std::string_view> query(std::string_view name) const;
  size_t query_count() const { return query_.size(); }
  Field query_at(size_t i) const;

  /// The value of the first header called `name` (compared without regard to
  /// case), surrounding whitespace removed, or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
  size_t header_count() const { return headers_.size(); }
  /// The i-th header in arrival order, its name lower-cased.
  Field header_at(size_t i) const;

  const std::string& body() const { return body_; }
  /// Mutable so that a handler may move the body out instead of copying it.
  std::string& body() { return body_; }

  int http_major() const { return http_major_; }
  int http_minor() const { return http_minor_; }
  /// Whether the client asked to keep the connection open after this request.
  bool keep_alive() const { return keep_alive_; }
  /// An upgrade request ("Connection: upgrade" and an "Upgrade" header).
  bool is_upgrade() const { return upgrade_; }
  /// A GET asking to upgrade to a WebSocket (RFC 6455 section 4.1).
  bool is_websocket_upgrade() const;

  /// Whether the peer connected through a Unix socket.
  bool from_unix_socket() const { return from_unix_socket_; }
  /// "127.0.0.1:54012", "[::1]:54012", or "unix" for a Unix socket peer.
  std::string_view remote_address() const { return remote_address_; }
  /// The uid of a Unix socket peer (SO_PEERCRED), or -1 over TCP.
  int peer_uid() const { return peer_uid_; }

 private:
  friend class RequestParser;
  friend struct ParserCallbacks;
  friend class Connection;

  struct Span {
    uint32_t name_offset;
    uint32_t name_length;
    uint32_t value_offset;
    uint32_t value_length;
  };

  /// Forgets the previous request, keeping buffer capacity and peer data.
  void reset();

  std::string_view method_;
  std::string target_;
  std::string path_;
  std::string_view query_string_;
  // Header names (lower-cased) and values, back to back; spans index into it.
  std::string header_bytes_;
  std::vector<Span> headers_;
  // Decoded query names and values, back to back.
  std::string query_bytes_;
  std::vector<Span> query_;
  std::string body_;
  int http_major_ = 1;
  int http_minor_ = 1;
  bool keep_alive_ = true;
  bool upgrade_ = false;
  bool from_unix_socket_ = false;
  int peer_uid_ = -1;
  std::string remote_address_;
};

/// ASCII case-insensitive equality, as header names and tokens compare.
bool equals_ignore_case(std::string_view a, std::string_view b) noexcept;
/// Whether a comma-separated header value ("keep-alive, Upgrade") lists
/// `token`, compared without regard to case.
bool header_has_token(std::string_view value, std::string_view token) noexcept;

}  // namespace reship::http
