#include "back/api/auth.hpp"

#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace reship::api {

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

std::variant<Caller, ApiError> Authenticator::authenticate(std::optional<std::string_view> authorization) const {
  if (tokens_.empty()) return Caller{"anonymous", false, nullptr};
  const ApiError missing{401, "unauthorized",
                               "this API needs a token: send the header Authorization: Bearer <token>"};
  if (!authorization) return missing;
  std::string_view value = *authorization;
  // RFC 6750: the scheme is case-insensitive, one or more spaces follow it.
  if (value.size() < 7 ||
      !std::equal(value.begin(), value.begin() + 6, "bearer", [](char a, char b) { return (a | 0x20) == b; }) ||
      value[6] != ' ') {
    return missing;
  }
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  const auto presented = sha256(value);
  // Compare with every token, whatever matches, so that the time taken says
  // nothing about which one (or how much of one) matched.
  const common::TokenConfig* match = nullptr;
  for (const auto& token : tokens_) {
    if (CRYPTO_memcmp(presented.data(), token.sha256.data(), presented.size()) == 0) match = &token;
  }
  if (match == nullptr || value.empty()) return ApiError{401, "unauthorized", "the token is not valid"};
  return Caller{match->name, match->unrestricted, match};
}

std::optional<ApiError> Authenticator::check_scope(const Caller& caller, const std::string& scope) const {
  if (caller.token == nullptr) return std::nullopt;
  const auto& scopes = caller.token->scopes;
  if (std::find(scopes.begin(), scopes.end(), scope) != scopes.end()) return std::nullopt;
  std::string allowed;
  for (const auto& s : scopes) allowed += (allowed.empty() ? "" : ", ") + s;
  return ApiError{403, "forbidden",
                        "token \"" + caller.name + "\" may not deploy scope \"" + scope +
                            "\" (its scopes: " + (allowed.empty() ? "none" : allowed) + ")"};
}

}  // namespace reship::api
