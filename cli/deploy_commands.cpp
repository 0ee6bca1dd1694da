// The commands that go through reship-back's HTTP API: deploy, deploys,
// show, logs, cancel.

#include <unistd.h>

#include <cstdio>

#include "cli/back_client.hpp"
#include "cli/commands.hpp"
#include "cli/deploy_summary.hpp"
#include "cli/progress.hpp"
#include "cli/sse_reader.hpp"
#include "cli/table.hpp"
#include "common/text/json_writer.hpp"
#include "common/time.hpp"

namespace reship::cli {
namespace {

// A deploy may legitimately run for hours; silence longer than this on the
// event stream (which has a heartbeat every 15 s) means the connection died.
constexpr common::Millis kStreamSilence{60'000};
constexpr common::Millis kLongWait{24LL * 3600 * 1000};

struct DeployOptions {
  std::string scope = "platform";
  std::string mode = "deploy";
  std::string reason;
  std::string session;
  bool cancel_running = false;
  bool reload = false;
  bool async = false;
  bool json = false;
};

using Resend = BackClient::Resend;

// Resolves "latest" to the newest deploy's id.
common::Result<std::string> resolve_id(BackClient& back, const std::string& id) {
  if (id != "latest") return id;
  auto result = back.call_through_restarts("GET", "/api/v1/deploys?limit=1", Resend::safe);
  if (!result) return std::move(result).error();
  simdjson::dom::parser parser;
  auto doc = parser.parse(result->body);
  simdjson::dom::array deploys;
  if (doc.error() || doc["deploys"].get_array().get(deploys) || deploys.size() == 0) {
    return common::Error{"there are no deploys yet"};
  }
  return json_string(deploys.at(0).value(), "deployId");
}

// Waits for the deploy to end with ?wait=, through reship-back's restarts
// (a deploy may restart it, or the supervisor with it).
common::Result<HttpResult> wait_final(BackClient& back, const std::string& id) {
  while (true) {
    auto result = back.call_through_restarts("GET", "/api/v1/deploys/" + id + "?wait=300&tail=1", Resend::safe, "",
                                             common::Millis(330'000));
    if (!result) return result;
    simdjson::dom::parser parser;
    auto doc = parser.parse(result->body);
    if (doc.error()) return common::Error{"reship-back sent a record that is not JSON"};
    if (json_int(doc.value(), "queuePosition", -1) < 0) return result;
  }
}

// Follows a deploy's events, printing its log, until deploy.done, whose
// data (the outcome) it returns. Reconnects, resuming after the last event
// seen, when the stream drops (reship-back restarting, a proxy cutting it),
// for as long as reship-back's restart window allows.
std::optional<std::string> follow(BackClient& back, const std::string& id, Progress& progress) {
  std::string last_id = "0";
  std::optional<std::string> outcome;
  RestartWindow window;
  simdjson::dom::parser parser;
  while (true) {
    SseReader reader;
    int64_t last_data = common::monotonic_ms();
    auto result = back.http().request(
        "GET", "/api/v1/events?deployId=" + id + "&since=" + last_id, "", kLongWait,
        [&](std::string_view bytes) {
          last_data = common::monotonic_ms();
          window.progressed();
          return reader.feed(bytes, [&](const SseEvent& e) {
            last_id = e.id.empty() ? last_id : e.id;
            auto doc = parser.parse(e.data);
            if (doc.error()) return true;
            if (e.type == "deploy.log") {
              progress.line(json_string(doc.value(), "line"), json_string(doc.value(), "stream") == "reship");
            } else if (e.type == "deploy.start") {
              progress.set_phase(json_string(doc.value(), "mode") == "restart" ? "restarting" : "building");
            } else if (e.type == "deploy.restart.start") {
              progress.set_phase("restarting");
            } else if (e.type == "stream.gap") {
              progress.line("(some events of this deploy are no longer kept: its whole log is in reship logs " + id +
                            ")");
            } else if (e.type == "deploy.done") {
              outcome = e.data;
              return false;
            }
            return true;
          });
        },
        [&] {
          progress.tick();
          return common::monotonic_ms() - last_data < kStreamSilence.count();
        });
    if (outcome) return outcome;
    common::Millis retry_after{0};
    std::string why;
    if (!result) {
      why = result.error().message;
    } else if (RestartWindow::passing(*result, retry_after)) {
      why = api_error_message(*result);
    } else if (result->status != 200) {
      return std::nullopt;  // the record says why (a 404: no such deploy)
    } else {
      // The stream ended without deploy.done: the deploy ended in a way its
      // events no longer show. The record tells.
      if (result->complete) return std::nullopt;
      why = "the event stream was cut off";
    }
    if (!window.wait_again(why, retry_after)) return std::nullopt;
  }
}

int run_deploy(CliContext& ctx, const DeployOptions& o) {
  auto back = BackClient::from(ctx);
  if (!back) return fail(back.error().message);
  common::JsonWriter body;
  body.begin_object().field("scope", o.scope).field("mode", o.mode);
  if (!o.reason.empty()) body.field("reason", o.reason);
  if (!o.session.empty()) body.field("sessionId", o.session);
  if (o.cancel_running) body.field("cancelRunning", true);
  if (o.reload) body.field("reload", true);
  body.end_object();
  // Sent again only when it did not reach reship-back (refused, or a 503
  // shutting_down): a request that may have arrived is not repeated.
  auto created = back->call_through_restarts("POST", "/api/v1/deploys", Resend::only_if_unsent, body.str());
  if (!created) return fail(created.error().message);
  simdjson::dom::parser parser;
  auto doc = parser.parse(created->body);
  if (doc.error()) return fail("reship-back answered something that is not JSON");
  const std::string id = json_string(doc.value(), "deployId");
  const bool coalesced = json_bool(doc.value(), "coalesced");
  if (o.async) {
    if (o.json) {
      std::printf("%s\n", created->body.c_str());
    } else {
      std::printf("deploy %s %s%s\nfollow it with: reship logs -f %s\n", id.c_str(),
                  json_string(doc.value(), "status").c_str(), coalesced ? " (joined a queued deploy)" : "",
                  id.c_str());
    }
    return kExitOk;
  }
  std::optional<std::string> outcome;
  if (!o.json) {
    const bool tty = ::isatty(STDOUT_FILENO) == 1;
    if (coalesced) std::printf("joined the queued deploy %s\n", id.c_str());
    Progress progress(tty, id);
    outcome = follow(*back, id, progress);
    progress.finish();
    if (outcome && outcome->find("\"selfRestart\":\"pending\"") != std::string::npos) back->expect_restart();
  }
  auto final_record = wait_final(*back, id);
  if (!final_record) {
    if (!outcome) {
      return fail(final_record.error().message + "\nthe deploy goes on without this command: see how it ended with "
                  "reship show " + id);
    }
    // The outcome is known from the event stream; only the full record
    // (restarts, log size) could not be read.
    auto done = parser.parse(*outcome);
    if (done.error()) return fail("reship-back sent an event that is not JSON");
    std::printf("%s", deploy_summary(done.value()).c_str());
    print_error("cannot read the full record: " + final_record.error().message + "; see it later with reship show " +
                id);
    return exit_code_of(done.value());
  }
  auto record = parser.parse(final_record->body);
  if (record.error()) return fail("reship-back sent a record that is not JSON");
  if (o.json) {
    std::printf("%s", final_record->body.c_str());
  } else {
    std::printf("%s", deploy_summary(record.value()).c_str());
  }
  return exit_code_of(record.value());
}

int run_deploys(CliContext& ctx, const std::string& status, const std::string& scope, const std::string& lane,
                const std::string& commit, int limit, bool json) {
  auto back = BackClient::from(ctx);
  if (!back) return fail(back.error().message);
  std::string target = "/api/v1/deploys?limit=" + std::to_string(limit);
  if (!status.empty()) target += "&status=" + status;
  if (!scope.empty()) target += "&scope=" + scope;
  if (!lane.empty()) target += "&lane=" + lane;
  if (!commit.empty()) target += "&commit=" + commit;
  auto result = back->call_through_restarts("GET", target, Resend::safe);
  if (!result) return fail(result.error().message);
  if (result->status != 200) return fail(api_error_message(*result));
  if (json) {
    std::printf("%s", result->body.c_str());
    return kExitOk;
  }
  simdjson::dom::parser parser;
  auto doc = parser.parse(result->body);
  simdjson::dom::array deploys;
  if (doc.error() || doc["deploys"].get_array().get(deploys)) return fail("reship-back sent a list that is not JSON");
  if (deploys.size() == 0) {
    std::printf("no deploys yet: start one with reship deploy\n");
    return kExitOk;
  }
  // The lane column only where there are lanes ([lanes]; else every deploy is in "main").
  bool lanes = false;
  for (auto d : deploys) lanes = lanes || json_string(d, "lane") != "main";
  Table table(lanes ? std::vector<std::string>{"ID", "STATUS", "LANE", "SCOPE", "MODE", "BY", "CREATED", "DURATION",
                                               "SUMMARY"}
                    : std::vector<std::string>{"ID", "STATUS", "SCOPE", "MODE", "BY", "CREATED", "DURATION", "SUMMARY"});
  for (auto d : deploys) {
    std::string summary = json_string(d, "errorSummary");
    summary = summary.substr(0, summary.find('\n'));
    if (summary.size() > 60) summary = summary.substr(0, 57) + "...";
    std::string created = json_string(d, "createdAt");
    if (created.size() >= 19) created = created.substr(0, 10) + " " + created.substr(11, 8);
    std::vector<std::string> row{json_string(d, "deployId"), json_string(d, "status"), json_string(d, "scope"),
                                 json_string(d, "mode"),     json_string(d, "requestedBy"), created,
                                 human_duration(json_int(d, "durationMs")), summary};
    if (lanes) row.insert(row.begin() + 2, json_string(d, "lane"));
    table.add(std::move(row));
  }
  std::printf("%s", table.render().c_str());
  return kExitOk;
}

int run_show(CliContext& ctx, const std::string& which, bool json) {
  auto back = BackClient::from(ctx);
  if (!back) return fail(back.error().message);
  auto id = resolve_id(*back, which);
  if (!id) return fail(id.error().message);
  auto result = back->call_through_restarts("GET", "/api/v1/deploys/" + *id, Resend::safe);
  if (!result) return fail(result.error().message);
  if (json) {
    std::printf("%s", result->body.c_str());
    return kExitOk;
  }
  simdjson::dom::parser parser;
  auto doc = parser.parse(result->body);
  if (doc.error()) return fail("reship-back sent a record that is not JSON");
  std::printf("%s", deploy_details(doc.value()).c_str());
  return kExitOk;
}

int run_logs(CliContext& ctx, const std::string& which, bool follow_log) {
  auto back = BackClient::from(ctx);
  if (!back) return fail(back.error().message);
  auto id = resolve_id(*back, which);
  if (!id) return fail(id.error().message);
  const std::string target = "/api/v1/deploys/" + *id + "/log";
  if (!follow_log) {
    auto result = back->call_through_restarts("GET", target, Resend::safe, "", common::Millis(60'000));
    if (!result) return fail(result.error().message);
    std::fwrite(result->body.data(), 1, result->body.size(), stdout);
    return kExitOk;
  }
  // The body of log?follow=1 is the log's bytes from `offset` on: a stream
  // cut off (reship-back restarting) resumes where it stopped.
  int64_t offset = 0;
  bool answered = false;
  RestartWindow window;
  while (true) {
    auto result = back->http().request("GET", target + "?follow=1&offset=" + std::to_string(offset), "", kLongWait,
                                       [&](std::string_view bytes) {
                                         offset += static_cast<int64_t>(bytes.size());
                                         window.progressed();
                                         std::fwrite(bytes.data(), 1, bytes.size(), stdout);
                                         std::fflush(stdout);
                                         return true;
                                       });
    common::Millis retry_after{0};
    std::string why;
    answered = answered || result.ok();
    if (!result) {
      if (!RestartWindow::passing(result.error(), true)) return fail(back->explain(result.error()));
      window.set_limit(answered ? BackClient::kRestartWindow : BackClient::kFirstContactWindow);
      why = result.error().message;
    } else if (RestartWindow::passing(*result, retry_after)) {
      why = api_error_message(*result);
    } else if (result->status != 200) {
      return fail("no log for " + *id + ": " + api_error_message(*result));
    } else if (result->complete) {
      return kExitOk;  // the deploy ended and every byte was sent
    } else {
      why = "the log stream was cut off";
    }
    if (!window.wait_again(why, retry_after)) {
      if (!answered) return fail(back->explain(result.error()));
      return fail("reship-back has not come back (" + why + "); the log so far is above: see the rest later with "
                  "reship logs " + *id);
    }
  }
}

int run_cancel(CliContext& ctx, const std::string& which, const std::string& reason) {
  auto back = BackClient::from(ctx);
  if (!back) return fail(back.error().message);
  auto id = resolve_id(*back, which);
  if (!id) return fail(id.error().message);
  std::string body;
  if (!reason.empty()) {
    common::JsonWriter w;
    w.begin_object().field("reason", reason).end_object();
    body = std::move(w).str();
  }
  auto result =
      back->call_through_restarts("POST", "/api/v1/deploys/" + *id + "/cancel", Resend::only_if_unsent, body);
  if (!result) return fail(result.error().message);
  if (result->status == 409) return fail(api_error_message(*result), kExitFailed);
  simdjson::dom::parser parser;
  auto doc = parser.parse(result->body);
  const std::string status = doc.error() ? "" : json_string(doc.value(), "status");
  std::printf("deploy %s: %s\n", id->c_str(), status == "cancelled" ? "cancelled" : "stopping its build");
  return kExitOk;
}

}  // namespace

void add_deploy_commands(CLI::App& app, CliContext& ctx, int& exit_code) {
  auto deploy = std::make_shared<DeployOptions>();
  auto* d = app.add_subcommand("deploy", "build and restart a scope, showing the log live, then the outcome");
  d->add_option("-s,--scope", deploy->scope, "scope to deploy")->default_val("platform");
  d->add_option("-m,--mode", deploy->mode, "deploy (build, then restart), build or restart")
      ->check(CLI::IsMember({"deploy", "build", "restart"}));
  d->add_option("--reason", deploy->reason, "why, for the record");
  d->add_option("--session", deploy->session, "a session id to tie the deploy to");
  d->add_flag("--cancel-running", deploy->cancel_running, "cancel the running deploy if this one covers it");
  d->add_flag("--reload", deploy->reload,
              "after the build, have both daemons read the config again (a service added ships with the deploy)");
  d->add_flag("--async", deploy->async, "answer at once with the deploy's id");
  d->add_flag("--json", deploy->json, "print the final record as JSON, no live log");
  d->footer("Exit code: 0 succeeded, 1 failed or interrupted, 3 cancelled, 2 usage or connection error.");
  d->callback([&ctx, &exit_code, deploy] { exit_code = run_deploy(ctx, *deploy); });

  struct ListOptions {
    std::string status, scope, lane, commit;
    int limit = 20;
    bool json = false;
  };
  auto list = std::make_shared<ListOptions>();
  auto* l = app.add_subcommand("deploys", "list recent deploys");
  l->add_option("--status", list->status, "only deploys with this status");
  l->add_option("--scope", list->scope, "only deploys of this scope");
  l->add_option("--lane", list->lane, "only deploys of this lane");
  l->add_option("--commit", list->commit, "only deploys whose source commit starts with this (4-40 hex digits)");
  l->add_option("-n,--limit", list->limit, "how many (1-100)")->check(CLI::Range(1, 100));
  l->add_flag("--json", list->json, "print the JSON page");
  l->callback([&ctx, &exit_code, list] {
    exit_code = run_deploys(ctx, list->status, list->scope, list->lane, list->commit, list->limit, list->json);
  });

  auto show = std::make_shared<std::pair<std::string, bool>>("latest", false);
  auto* s = app.add_subcommand("show", "show one deploy");
  s->add_option("id", show->first, "a deploy id, or latest")->default_val("latest");
  s->add_flag("--json", show->second, "print the record as JSON");
  s->callback([&ctx, &exit_code, show] { exit_code = run_show(ctx, show->first, show->second); });

  auto logs = std::make_shared<std::pair<std::string, bool>>("latest", false);
  auto* g = app.add_subcommand("logs", "print a deploy's log");
  g->add_option("id", logs->first, "a deploy id, or latest")->default_val("latest");
  g->add_flag("-f,--follow", logs->second, "follow until the deploy ends");
  g->callback([&ctx, &exit_code, logs] { exit_code = run_logs(ctx, logs->first, logs->second); });

  auto cancel = std::make_shared<std::pair<std::string, std::string>>();
  auto* c = app.add_subcommand("cancel", "cancel a queued or running deploy");
  c->add_option("id", cancel->first, "a deploy id, or latest")->required();
  c->add_option("--reason", cancel->second, "why, kept in the record");
  c->callback([&ctx, &exit_code, cancel] { exit_code = run_cancel(ctx, cancel->first, cancel->second); });
}

}  // namespace reship::cli
