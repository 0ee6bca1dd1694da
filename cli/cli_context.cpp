#include "cli/cli_context.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace reship::cli {

common::Result<const common::Config*> CliContext::config() {
  if (config_) return &*config_;
  const auto path = common::default_config_path(config_flag);
  auto load = common::load_config(path);
  if (!load.config) {
    std::string message = "cannot use the config:";
    for (const auto& p : load.problems) message += "\n  " + p.to_string();
    const char* env = std::getenv("RESHIP_CONFIG");
    std::error_code ec;
    if (config_flag.empty() && (env == nullptr || *env == '\0') && !std::filesystem::exists(path, ec)) {
      message += std::string("\n  (looked for ./reship.toml, then ") + common::kSystemConfigPath + ")";
    }
    return common::Error{message};
  }
  config_ = std::move(load.config);
  return &*config_;
}

common::Result<std::string> CliContext::socket_path() {
  if (!socket_flag.empty()) return socket_flag;
  auto cfg = config();
  if (!cfg) return std::move(cfg).error();
  return (*cfg)->supervisor.socket.string();
}

void print_error(const std::string& message) { std::fprintf(stderr, "reship: %s\n", message.c_str()); }

int fail(const std::string& message, int code) {
  print_error(message);
  return code;
}

std::string human_duration(int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 60'000) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
    return buf;
  }
  const int64_t s = ms / 1000;
  if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  if (s < 86400) return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
  return std::to_string(s / 86400) + "d" + std::to_string(s % 86400 / 3600) + "h";
}

}  // namespace reship::cli
