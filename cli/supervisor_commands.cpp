// `reship ps` and `reship restart`: straight to the supervisor's control
// socket, so that they work even when reship-back is down.

#include <algorithm>
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/table.hpp"
#include "common/time.hpp"
#include "ipc/blocking_client.hpp"

namespace reship::cli {

common::Result<ipc::BlockingClient> connect_supervisor(CliContext& ctx) {
  auto path = ctx.socket_path();
  if (!path) return std::move(path).error();
  auto client = ipc::BlockingClient::connect(*path);
  if (!client) {
    return common::Error{client.error().message + " — is it running? Start it with: reship-supervisor --config " +
                         ctx.config_path()};
  }
  return client;
}

namespace {

constexpr const char* kRequestId = "cli";

common::Result<ipc::BlockingClient> connect(CliContext& ctx) { return connect_supervisor(ctx); }

std::string last_exit_text(const ipc::ServiceStatus& s) {
  if (!s.last_exit) return "-";
  if (s.last_exit->signal) return "signal " + *s.last_exit->signal;
  if (s.last_exit->code) return "code " + std::to_string(*s.last_exit->code);
  return "-";
}

int run_ps(CliContext& ctx, bool json) {
  auto client = connect(ctx);
  if (!client) {
    print_error(client.error().message);
    return kExitUsage;
  }
  auto reply = client->request(ipc::encode_status_request(kRequestId), kRequestId, nullptr, common::Millis(5000));
  if (!reply) {
    print_error(reply.error().message);
    return kExitUsage;
  }
  const auto* status = reply->as<ipc::StatusReply>();
  if (status == nullptr) {
    const auto* error = reply->as<ipc::ErrorReply>();
    print_error(error ? error->message : "the supervisor did not answer with a status");
    return kExitUsage;
  }
  if (json) {
    std::printf("%s\n", ipc::encode_status_json(*status).c_str());
    return kExitOk;
  }
  bool any_sockets = false;
  for (const auto& s : status->services) any_sockets = any_sockets || !s.sockets.empty();
  std::vector<std::string> columns{"SERVICE", "STATE", "READY", "PID", "UPTIME", "RESTARTS", "LAST EXIT"};
  if (any_sockets) columns.emplace_back("LISTEN");
  Table table(columns);
  bool any_changed = false;
  for (const auto& s : status->services) {
    // What the service forked or daemonized, counted in its cgroup.
    std::string pid = s.pid ? std::to_string(*s.pid) : "-";
    if (s.extra_processes > 0) {
      pid += " (+" + std::to_string(s.extra_processes) + (s.extra_processes == 1 ? " process)" : " processes)");
    }
    any_changed = any_changed || s.changed;
    std::vector<std::string> row{s.name, s.changed ? s.state + "*" : s.state, s.ready ? "yes" : "no", pid,
                                 s.pid ? human_duration(s.uptime_ms) : "-", std::to_string(s.restarts),
                                 last_exit_text(s)};
    if (any_sockets) {
      std::string listen;
      for (const auto& k : s.sockets) listen += (listen.empty() ? "" : " ") + k.bound;
      row.push_back(listen.empty() ? "-" : listen);
    }
    table.add(row);
  }
  std::printf("reship-supervisor %s, pid %d, up %s\n\n%s", status->supervisor.version.c_str(),
              status->supervisor.pid, human_duration(status->supervisor.uptime_ms).c_str(), table.render().c_str());
  if (any_changed) std::printf("* reloaded with a new definition, which applies at its next restart\n");
  return kExitOk;
}

// How long a restart may take at most: every service's stop and ready
// timeouts (they run in parallel), plus slack.
common::Millis restart_deadline(CliContext& ctx) {
  common::Millis longest{30'000};
  if (auto cfg = ctx.config()) {
    for (const auto& s : (*cfg)->services) longest = std::max(longest, s.stop_timeout + s.ready_timeout);
  }
  return longest + common::Millis(30'000);
}

void print_done(const ipc::RestartDone& d) {
  if (d.exiting) {
    std::printf("%-20s exiting   pid %d: the supervisor stops every service and exits to be started again\n",
                d.service.c_str(), d.pid.value_or(0));
    return;
  }
  if (d.ok) {
    std::string was = d.old_pid ? " (was " + std::to_string(*d.old_pid) + ")" : "";
    std::printf("%-20s ok        pid %d%s in %s%s%s\n", d.service.c_str(), d.pid.value_or(0), was.c_str(),
                human_duration(d.duration_ms).c_str(), d.mode == "overlap" ? ", overlapping" : "",
                d.killed ? ", SIGKILLed after its stop timeout" : "");
    return;
  }
  std::printf("%-20s FAILED    %s (after %s)\n", d.service.c_str(), d.error.c_str(),
              human_duration(d.duration_ms).c_str());
  if (!d.output.empty()) {
    std::string out = d.output;
    size_t start = 0;
    while (start < out.size()) {
      size_t end = out.find('\n', start);
      if (end == std::string::npos) end = out.size();
      std::printf("    | %s\n", out.substr(start, end - start).c_str());
      start = end + 1;
    }
  }
}

int run_restart(CliContext& ctx, const std::vector<std::string>& targets) {
  auto client = connect(ctx);
  if (!client) {
    print_error(client.error().message);
    return kExitUsage;
  }
  // One name that is a scope restarts the scope; anything else names services.
  bool is_scope = false;
  if (targets.size() == 1) {
    auto hello = client->request(ipc::encode_hello_request(kRequestId, "reship-cli"), kRequestId, nullptr,
                                 common::Millis(5000));
    if (hello && hello->as<ipc::HelloReply>()) is_scope = hello->as<ipc::HelloReply>()->scopes.count(targets[0]) > 0;
  }
  const std::string line = is_scope ? ipc::encode_restart_scope_request(kRequestId, targets[0])
                                    : ipc::encode_restart_request(kRequestId, targets);
  bool all_ok = true;
  auto reply = client->request(
      line, kRequestId,
      [&](const ipc::Reply& r) {
        if (const auto* d = r.as<ipc::RestartDone>()) {
          all_ok = all_ok && d->ok;
          print_done(*d);
          std::fflush(stdout);
        }
      },
      restart_deadline(ctx));
  if (!reply) {
    print_error(reply.error().message);
    return kExitUsage;
  }
  if (const auto* error = reply->as<ipc::ErrorReply>()) {
    print_error(error->message);
    return kExitUsage;
  }
  const auto* complete = reply->as<ipc::RestartComplete>();
  if (complete == nullptr) {
    print_error("the supervisor ended the restart without restart.complete");
    return kExitFailed;
  }
  std::printf("%s in %s\n", all_ok ? "restarted" : "restart FAILED", human_duration(complete->duration_ms).c_str());
  return all_ok ? kExitOk : kExitFailed;
}

}  // namespace

void add_ps_command(CLI::App& app, CliContext& ctx, int& exit_code) {
  auto* cmd = app.add_subcommand("ps", "show the supervisor's services (over its control socket)");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "print the status as JSON");
  cmd->callback([&ctx, &exit_code, json] { exit_code = run_ps(ctx, *json); });
}

void add_restart_command(CLI::App& app, CliContext& ctx, int& exit_code) {
  auto* cmd = app.add_subcommand("restart", "restart a scope or services through the supervisor");
  auto targets = std::make_shared<std::vector<std::string>>();
  cmd->add_option("targets", *targets, "a scope, or one or more services (edge: the supervisor itself)")
      ->required();
  cmd->callback([&ctx, &exit_code, targets] { exit_code = run_restart(ctx, *targets); });
}

}  // namespace reship::cli
