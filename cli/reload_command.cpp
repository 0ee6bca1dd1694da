// `reship reload`: has both daemons read the config file again. The
// supervisor first (its services), then reship-back (builds, scopes, lanes,
// tokens, limits); a file with problems changes nothing in either.

#include <cstdio>

#include "cli/back_client.hpp"
#include "cli/commands.hpp"
#include "common/text/escape.hpp"

namespace reship::cli {
namespace {

constexpr const char* kRequestId = "cli";
// A reload waits for what it starts and restarts: as long as a restart.
constexpr common::Millis kReloadDeadline{10 * 60'000};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void print_result(const ipc::ReloadResult& r) {
  if (!r.ok) {
    std::printf("  %-10s %-20s FAILED: %s\n", r.action.c_str(), r.service.c_str(),
                common::escape_controls(r.error).c_str());
    // The service's last lines, each made safe for the terminal.
    size_t start = 0;
    while (start < r.output.size()) {
      size_t end = r.output.find('\n', start);
      if (end == std::string::npos) end = r.output.size();
      const std::string line = common::escape_controls(std::string_view(r.output).substr(start, end - start));
      std::printf("      | %s\n", line.c_str());
      start = end + 1;
    }
    return;
  }
  std::string pid = r.pid ? "pid " + std::to_string(*r.pid) : "";
  if (r.old_pid && r.action != "stopped") pid += " (was " + std::to_string(*r.old_pid) + ")";
  if (r.action == "stopped" && r.old_pid) pid = "pid " + std::to_string(*r.old_pid) + " stopped";
  std::printf("  %-10s %-20s %s in %s\n", r.action.c_str(), r.service.c_str(), pid.c_str(),
              human_duration(r.duration_ms).c_str());
}

int reload_supervisor(CliContext& ctx, bool defer_restarts) {
  auto client = connect_supervisor(ctx);
  if (!client) return fail(client.error().message);
  auto reply = client->request(ipc::encode_reload_request(kRequestId, defer_restarts), kRequestId, nullptr,
                               kReloadDeadline);
  if (!reply) return fail(reply.error().message);
  if (const auto* error = reply->as<ipc::ErrorReply>()) return fail(error->message);
  const auto* done = reply->as<ipc::ReloadDone>();
  if (done == nullptr) return fail("the supervisor did not answer the reload with reload.done");
  if (!done->problems.empty()) {
    for (const auto& p : done->problems) std::fprintf(stderr, "%s\n", common::escape_controls(p).c_str());
    return fail("the supervisor did not reload: nothing changed (fix the problems above, then reload again)");
  }
  std::printf("supervisor: reloaded in %s\n", human_duration(done->duration_ms).c_str());
  for (const auto& r : done->results) print_result(r);
  for (const auto& name : done->changed) {
    std::printf("  %-10s %-20s its new definition applies at its next start\n", "changed", name.c_str());
  }
  if (!done->unchanged.empty()) std::printf("  %-10s %s\n", "unchanged", joined(done->unchanged).c_str());
  for (const auto& n : done->needs_restart) std::printf("  needs a restart of the supervisor: %s\n", n.c_str());
  return done->ok ? kExitOk : kExitFailed;
}

std::vector<std::string> strings_of(simdjson::dom::element doc, const char* key) {
  std::vector<std::string> out;
  simdjson::dom::array list;
  if (doc[key].get_array().get(list)) return out;
  for (auto item : list) {
    std::string_view v;
    if (!item.get(v)) out.emplace_back(v);
  }
  return out;
}

int reload_back(CliContext& ctx) {
  auto back = BackClient::from(ctx);
  if (!back) return fail(back.error().message);
  auto result = back->call_through_restarts("POST", "/api/v1/reload", BackClient::Resend::safe, "{}");
  if (!result) return fail(result.error().message);
  simdjson::dom::parser parser;
  auto doc = parser.parse(result->body);
  if (result->status != 200) {
    if (!doc.error()) {
      for (const auto& p : strings_of(doc.value()["error"], "problems")) {
        std::fprintf(stderr, "%s\n", common::escape_controls(p).c_str());
      }
    }
    return fail("reship-back did not reload: " + api_error_message(*result));
  }
  if (doc.error()) return fail("reship-back answered the reload with something that is not JSON");
  const auto changed = strings_of(doc.value(), "changed");
  const std::string what = changed.empty() ? "nothing changed" : "changed " + joined(changed);
  std::printf("reship-back: reloaded; %s\n", what.c_str());
  for (const auto& n : strings_of(doc.value(), "needsRestart")) {
    std::printf("  needs a restart of reship-back: %s\n", common::escape_controls(n).c_str());
  }
  return kExitOk;
}

}  // namespace

void add_reload_command(CLI::App& app, CliContext& ctx, int& exit_code) {
  auto* cmd = app.add_subcommand("reload", "have the supervisor and reship-back read the config file again");
  auto no_restart = std::make_shared<bool>(false);
  auto only = std::make_shared<std::string>();
  cmd->add_flag("--no-restart", *no_restart,
                "leave changed services running their old definition until their next restart");
  cmd->add_option("--only", *only, "reload one daemon: supervisor or back")
      ->check(CLI::IsMember({"supervisor", "back"}));
  cmd->callback([&ctx, &exit_code, no_restart, only] {
    // The CLI reads the same file to find the daemons: when it has problems,
    // neither would take it, and neither is asked.
    if (ctx.socket_flag.empty() || *only != "supervisor") {
      if (auto cfg = ctx.config(); !cfg) {
        exit_code = fail(cfg.error().message + "\nnothing was reloaded: the daemons go on with the config they run; "
                                               "fix the file, then run reship reload again");
        return;
      }
    }
    exit_code = kExitOk;
    if (*only != "back") exit_code = reload_supervisor(ctx, *no_restart);
    if (exit_code == kExitUsage || *only == "supervisor") return;
    const int back = reload_back(ctx);
    if (back != kExitOk) exit_code = back;
  });
}

}  // namespace reship::cli
