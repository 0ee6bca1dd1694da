#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "back/store/deploy_store.hpp"

namespace reship::back {

struct DeployRequest;

/// What is wrong with a key a caller sent, if anything: 1 to 255 printable
/// ASCII characters (a UUID is a good key).
std::optional<std::string> idempotency_key_problem(std::string_view key);

/// Idempotency-Keys (contract §5): the first request with a key makes (or
/// joins) a deploy; a retry with the same key and the same request joins that
/// deploy; the same key with another request is refused. Keys belong to the
/// caller (the token's name) and are kept 24 hours, in memory and in the
/// database, so that a retry after reship-back restarted itself still joins.
class IdempotencyKeys {
 public:
  static constexpr int64_t kKeepMs = 24LL * 60 * 60 * 1000;

  struct Entry {
    std::string fingerprint;
    std::string deploy_id;
    int64_t created_at = 0;
  };

  /// Loads the keys of the last 24 hours.
  explicit IdempotencyKeys(DeployStore& store);

  /// The entry of (caller, key), unless older than kKeepMs at `now`.
  const Entry* find(const std::string& caller, const std::string& key, int64_t now) const;
  /// Remembers that (caller, key) made deploy `deploy_id`. A database that
  /// refuses it (a full disk) is logged; the key still holds in memory.
  void remember(const std::string& caller, const std::string& key, std::string fingerprint, std::string deploy_id,
                int64_t now);
  /// A queued deploy was replaced by one that covers it and took its
  /// callers: so do its keys.
  void repoint(const std::string& from_id, const std::string& to_id);

  /// What a request asks for, as compared between a key's first request and
  /// its retries: every field of the body but the key itself.
  static std::string fingerprint(const DeployRequest& request);

 private:
  void store(const std::pair<std::string, std::string>& id, const Entry& entry);
  void forget_expired(int64_t now);

  DeployStore& store_;
  std::map<std::pair<std::string, std::string>, Entry> entries_;
  int64_t last_prune_ = 0;
};

}  // namespace reship::back
