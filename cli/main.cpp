// reship: the command line for people and scripts (contract section 4).

#include "cli/commands.hpp"
#include "common/config/daemon_flags.hpp"

int main(int argc, char** argv) {
  using namespace reship;
  CLI::App app{"reship: deploy, follow logs, list deploys, show and restart services"};
  app.set_version_flag("--version", std::string("reship ") + kVersion);
  cli::CliContext ctx;
  app.add_option("--url", ctx.url_flag, "reship-back's address (default: the first [back] listen of the config)");
  app.add_option("--token-file", ctx.token_file, "file holding the bearer token (default: $RESHIP_TOKEN)");
  app.footer("Run `reship COMMAND --help` for a command's options.");
  app.add_option("-c,--config", ctx.config_flag, "config file (default: $RESHIP_CONFIG, else ./reship.toml, else /etc/reship/reship.toml)");
  app.add_option("--socket", ctx.socket_flag, "the supervisor's control socket (default: from the config)");
  app.require_subcommand(1);
  int exit_code = cli::kExitOk;
  cli::add_deploy_commands(app, ctx, exit_code);
  cli::add_lanes_command(app, ctx, exit_code);
  cli::add_lock_commands(app, ctx, exit_code);
  cli::add_ps_command(app, ctx, exit_code);
  cli::add_restart_command(app, ctx, exit_code);
  cli::add_reload_command(app, ctx, exit_code);
  if (int rc = common::parse_flags(app, argc, argv); rc >= 0) return rc;
  return exit_code;
}
