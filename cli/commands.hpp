#pragma once

#include <CLI/CLI.hpp>

#include "cli/cli_context.hpp"
#include "common/result.hpp"
#include "ipc/blocking_client.hpp"

namespace reship::cli {

/// Each add_* function registers one subcommand; when it runs, it stores its
/// exit code in `exit_code`.
void add_ps_command(CLI::App& app, CliContext& ctx, int& exit_code);
void add_restart_command(CLI::App& app, CliContext& ctx, int& exit_code);
/// reload: the supervisor's {"op":"reload"}, then reship-back's POST /api/v1/reload.
void add_reload_command(CLI::App& app, CliContext& ctx, int& exit_code);

/// A connection to the supervisor's control socket, or an error that says
/// how to start it.
common::Result<ipc::BlockingClient> connect_supervisor(CliContext& ctx);
/// deploy, deploys, show, logs, cancel (through reship-back's HTTP API).
void add_deploy_commands(CLI::App& app, CliContext& ctx, int& exit_code);
/// lanes (GET /api/v1/lanes).
void add_lanes_command(CLI::App& app, CliContext& ctx, int& exit_code);
/// lock, unlock, locks (/api/v1/lock).
void add_lock_commands(CLI::App& app, CliContext& ctx, int& exit_code);

}  // namespace reship::cli
