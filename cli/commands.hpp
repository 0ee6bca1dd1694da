#pragma once

#include <CLI/CLI.hpp>

#include "cli/cli_context.hpp"

namespace reship::cli {

/// Each add_* function registers one subcommand; when it runs, it stores its
/// exit code in `exit_code`.
void add_ps_command(CLI::App& app, CliContext& ctx, int& exit_code);
void add_restart_command(CLI::App& app, CliContext& ctx, int& exit_code);
/// deploy, deploys, show, logs, cancel (through reship-back's HTTP API).
void add_deploy_commands(CLI::App& app, CliContext& ctx, int& exit_code);
/// lanes (GET /api/v1/lanes).
void add_lanes_command(CLI::App& app, CliContext& ctx, int& exit_code);

}  // namespace reship::cli
