// reship lock, unlock, locks: deploy locks (POST, DELETE and GET
// /api/v1/lock). While a lane is locked its deploys are refused with 423
// and its queued ones wait.

#include <cstdio>

#include "cli/back_client.hpp"
#include "cli/commands.hpp"
#include "cli/table.hpp"
#include "common/text/json_writer.hpp"

namespace reship::cli {
namespace {

using Resend = BackClient::Resend;

struct LockOptions {
  std::string reason;
  std::string ttl;
  std::string lane;
  bool cancel_queued = false;
  bool json = false;
};

// "main: locked by alice until …: reason".
std::string lock_line(simdjson::dom::element lock) {
  std::string line = json_string(lock, "lane") + ": locked by " + json_string(lock, "holder") + " since " +
                     json_string(lock, "since") + " until " + json_string(lock, "until");
  const std::string reason = json_string(lock, "reason");
  if (!reason.empty()) line += ": " + reason;
  return line;
}

int run_lock(CliContext& ctx, const LockOptions& o) {
  auto back = BackClient::from(ctx);
  if (!back) return fail(back.error().message);
  common::JsonWriter body;
  body.begin_object().field("reason", o.reason);
  if (!o.ttl.empty()) body.field("ttl", o.ttl);
  if (!o.lane.empty()) body.field("lane", o.lane);
  body.end_object();
  auto result = back->call_through_restarts("POST", "/api/v1/lock", Resend::only_if_unsent, body.str());
  if (!result) return fail(result.error().message);
  if (o.json) {
    std::printf("%s", result->body.c_str());
    return kExitOk;
  }
  simdjson::dom::parser parser;
  auto doc = parser.parse(result->body);
  simdjson::dom::element lock;
  if (doc.error() || doc["lock"].get(lock)) return fail("reship-back sent a lock that is not JSON");
  std::printf("%s\nrelease it with: reship unlock%s\n", lock_line(lock).c_str(),
              o.lane.empty() ? "" : (" --lane " + o.lane).c_str());
  return kExitOk;
}

int run_unlock(CliContext& ctx, const LockOptions& o) {
  auto back = BackClient::from(ctx);
  if (!back) return fail(back.error().message);
  common::JsonWriter body;
  body.begin_object();
  if (!o.lane.empty()) body.field("lane", o.lane);
  if (o.cancel_queued) body.field("cancelQueued", true);
  body.end_object();
  auto result = back->call_through_restarts("DELETE", "/api/v1/lock", Resend::only_if_unsent, body.str());
  if (!result) return fail(result.error().message);
  if (o.json) {
    std::printf("%s", result->body.c_str());
    return kExitOk;
  }
  simdjson::dom::parser parser;
  auto doc = parser.parse(result->body);
  simdjson::dom::element lock;
  if (doc.error() || doc["lock"].get(lock)) return fail("reship-back sent a lock that is not JSON");
  std::printf("%s: unlocked%s\n", json_string(lock, "lane").c_str(),
              json_bool(lock, "broken") ? (" (the lock of " + json_string(lock, "holder") + " was broken)").c_str()
                                        : "");
  simdjson::dom::array cancelled;
  if (!doc["cancelled"].get_array().get(cancelled)) {
    for (auto id : cancelled) {
      std::string_view v;
      if (!id.get(v)) std::printf("deploy %.*s: cancelled\n", static_cast<int>(v.size()), v.data());
    }
  }
  return kExitOk;
}

int run_locks(CliContext& ctx, bool json) {
  auto back = BackClient::from(ctx);
  if (!back) return fail(back.error().message);
  auto result = back->call_through_restarts("GET", "/api/v1/lock", Resend::safe);
  if (!result) return fail(result.error().message);
  if (json) {
    std::printf("%s", result->body.c_str());
    return kExitOk;
  }
  simdjson::dom::parser parser;
  auto doc = parser.parse(result->body);
  simdjson::dom::array locks;
  if (doc.error() || doc["locks"].get_array().get(locks)) return fail("reship-back sent locks that are not JSON");
  if (locks.size() == 0) {
    std::printf("no lane is locked\n");
    return kExitOk;
  }
  Table table({"LANE", "HOLDER", "SINCE", "UNTIL", "REASON"});
  for (auto lock : locks) {
    table.add({json_string(lock, "lane"), json_string(lock, "holder"), json_string(lock, "since"),
               json_string(lock, "until"), json_string(lock, "reason")});
  }
  std::printf("%s", table.render().c_str());
  return kExitOk;
}

}  // namespace

void add_lock_commands(CLI::App& app, CliContext& ctx, int& exit_code) {
  auto lock = std::make_shared<LockOptions>();
  auto* l = app.add_subcommand("lock", "lock a lane: its new deploys are refused, its queued ones wait");
  l->add_option("--reason", lock->reason, "why, shown to whoever the lock stops")->required();
  l->add_option("--ttl", lock->ttl, "how long at most, e.g. 30m (default 1h, at most 7d)");
  l->add_option("--lane", lock->lane, "the lane to lock (needed when the config has [lanes])");
  l->add_flag("--json", lock->json, "print the JSON answer");
  l->callback([&ctx, &exit_code, lock] { exit_code = run_lock(ctx, *lock); });

  auto unlock = std::make_shared<LockOptions>();
  auto* u = app.add_subcommand("unlock", "release a lane's lock; its queued deploys then run");
  u->add_option("--lane", unlock->lane, "the lane to unlock (needed when the config has [lanes])");
  u->add_flag("--cancel-queued", unlock->cancel_queued, "cancel the lane's queued deploys instead of running them");
  u->add_flag("--json", unlock->json, "print the JSON answer");
  u->callback([&ctx, &exit_code, unlock] { exit_code = run_unlock(ctx, *unlock); });

  auto json = std::make_shared<bool>(false);
  auto* s = app.add_subcommand("locks", "list the lanes that are locked");
  s->add_flag("--json", *json, "print the JSON answer");
  s->callback([&ctx, &exit_code, json] { exit_code = run_locks(ctx, *json); });
}

}  // namespace reship::cli
