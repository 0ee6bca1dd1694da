#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "back/api/api_error.hpp"
#include "back/engine/deploy_service.hpp"
#include "common/config/config.hpp"

namespace reship::api {

/// Who is calling, once authenticated.
struct Caller {
  std::string name;                            // becomes requestedBy
  bool unrestricted = false;                   // may bounce edge
  const common::TokenConfig* token = nullptr;  // null when the API is open
};

/// Bearer-token authentication (contract 1 and 3): the SHA-256 of the
/// presented token is compared, in constant time, with every configured
/// hash. With no tokens configured the API is open (and reship-back listens
/// only on loopback or Unix sockets). Tokens are never logged or stored.
class Authenticator {
 public:
  explicit Authenticator(const std::vector<common::TokenConfig>& tokens) : tokens_(tokens) {}

  bool open() const { return tokens_.empty(); }
  /// 401 unauthorized when the header is missing, malformed or unknown.
  std::variant<Caller, ApiError> authenticate(std::optional<std::string_view> authorization) const;
  /// 403 forbidden when the caller's token does not list `scope`.
  std::optional<ApiError> check_scope(const Caller& caller, const std::string& scope) const;

 private:
  const std::vector<common::TokenConfig>& tokens_;
};

/// The SHA-256 of `text`.
std::array<unsigned char, 32> sha256(std::string_view text);

}  // namespace reship::api
