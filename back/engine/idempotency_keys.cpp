#include "back/engine/idempotency_keys.hpp"

#include <spdlog/spdlog.h>

#include "back/engine/deploy_service.hpp"
#include "common/text/json_writer.hpp"
#include "common/time.hpp"

namespace reship::back {
namespace {

// Expired keys are swept at most this often (each sweep walks every key).
constexpr int64_t kPruneEveryMs = 60 * 1000;

}  // namespace

std::optional<std::string> idempotency_key_problem(std::string_view key) {
  constexpr size_t kMaxKey = 255;
  bool printable = true;
  for (unsigned char c : key) printable = printable && c >= 0x20 && c < 0x7f;
  if (!key.empty() && key.size() <= kMaxKey && printable) return std::nullopt;
  return "an Idempotency-Key is 1 to 255 printable ASCII characters (a UUID is a good key); this one is " +
         (key.empty() ? std::string("empty") : !printable ? std::string("not printable ASCII")
                                                          : std::to_string(key.size()) + " characters long");
}

IdempotencyKeys::IdempotencyKeys(DeployStore& store) : store_(store) {
  const int64_t now = common::unix_ms();
  for (auto& row : store_.keys_since(now - kKeepMs)) {
    entries_[{row.caller, row.key}] = Entry{std::move(row.fingerprint), std::move(row.deploy_id), row.created_at};
  }
  if (auto dropped = store_.drop_keys_before(now - kKeepMs); !dropped) spdlog::warn("{}", dropped.error().message);
  last_prune_ = now;
}

const IdempotencyKeys::Entry* IdempotencyKeys::find(const std::string& caller, const std::string& key,
                                                    int64_t now) const {
  auto it = entries_.find({caller, key});
  if (it == entries_.end() || it->second.created_at + kKeepMs <= now) return nullptr;
  return &it->second;
}

void IdempotencyKeys::remember(const std::string& caller, const std::string& key, std::string fingerprint,
                               std::string deploy_id, int64_t now) {
  forget_expired(now);
  auto id = std::make_pair(caller, key);
  auto& entry = entries_[id];
  entry = Entry{std::move(fingerprint), std::move(deploy_id), now};
  store(id, entry);
}

void IdempotencyKeys::repoint(const std::string& from_id, const std::string& to_id) {
  for (auto& [id, entry] : entries_) {
    if (entry.deploy_id != from_id) continue;
    entry.deploy_id = to_id;
    store(id, entry);
  }
}

void IdempotencyKeys::store(const std::pair<std::string, std::string>& id, const Entry& entry) {
  auto put = store_.put_key({id.first, id.second, entry.fingerprint, entry.deploy_id, entry.created_at});
  if (!put) spdlog::warn("{}; the key holds until reship-back stops", put.error().message);
}

void IdempotencyKeys::forget_expired(int64_t now) {
  if (now - last_prune_ < kPruneEveryMs) return;
  last_prune_ = now;
  std::erase_if(entries_, [now](const auto& item) { return item.second.created_at + kKeepMs <= now; });
  if (auto dropped = store_.drop_keys_before(now - kKeepMs); !dropped) spdlog::warn("{}", dropped.error().message);
}

std::string IdempotencyKeys::fingerprint(const DeployRequest& request) {
  common::JsonWriter w(128);
  w.begin_object()
      .field("scope", request.scope)
      .field("mode", mode_name(request.mode))
      .field("sessionId", request.session_id)
      .field("reason", request.reason)
      .field("cancelRunning", request.cancel_running)
      .field("reload", request.reload)
      .end_object();
  return std::move(w).str();
}

}  // namespace reship::back
