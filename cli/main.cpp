// reship: the command line for people and scripts.

#include "common/daemon_flags.hpp"

int main(int argc, char** argv) {
  CLI::App app{"reship: deploy, follow logs, list deploys, show services"};
  app.set_version_flag("--version", std::string("reship ") + reship::kVersion);
  app.require_subcommand(1);
  if (int rc = reship::common::parse_flags(app, argc, argv); rc >= 0) return rc;
  return 2;
}
