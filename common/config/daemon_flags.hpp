#pragma once

// The flags both daemons share, so that they read and behave alike.

#include <string>

#include <CLI/CLI.hpp>

#include "common/logging.hpp"
#include "reship/version.hpp"

namespace reship::common {

struct DaemonFlags {
  std::string config;
  bool check = false;
  std::string log_format = "text";
  std::string log_level = "info";

  void add_to(CLI::App& app, const std::string& program) {
    app.add_option("-c,--config", config, "config file (default: $RESHIP_CONFIG, else ./reship.toml, else /etc/reship/reship.toml)");
    app.add_flag("--check", check, "validate the config, print every problem as PATH:LINE: message, exit 0 or 2");
    app.add_option("--log-format", log_format, "text or json")->check(CLI::IsMember({"text", "json"}));
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error", "off"}));
    app.set_version_flag("--version", program + " " + kVersion);
  }

  void setup_logging(const std::string& name) const {
    common::setup_logging(name, parse_log_format(log_format).value(), parse_log_level(log_level).value());
  }
};

/// Parses argv; returns -1 to go on, else the exit code (0 after --help or
/// --version, 2 for a usage error, as the contract asks).
inline int parse_flags(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return -1;
}

}  // namespace reship::common
