#pragma once

// Bearer tokens in tests of reship-back's API: what a [[tokens]] entry
// stores for a secret, and the header that presents it. Header-only: the
// tests that include it link the API (back/api/auth) already.

#include <string>

#include "back/api/auth.hpp"

namespace reship::test {

/// The lowercase hex SHA-256 of `secret`, as [[tokens]] sha256 holds it.
inline std::string token_sha256(const std::string& secret) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : api::sha256(secret)) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

/// The request header line that presents `secret`.
inline std::string bearer(const std::string& secret) { return "Authorization: Bearer " + secret + "\r\n"; }

}  // namespace reship::test
