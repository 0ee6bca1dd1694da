#pragma once

#include <optional>
#include <string>

#include "common/config/config.hpp"
#include "common/result.hpp"

namespace reship::cli {

/// Exit codes of contract 4.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitCancelled = 3;

/// What every command shares: the global flags and, loaded on first use, the
/// config they point at.
class CliContext {
 public:
  std::string config_flag;  // --config
  std::string url_flag;     // --url
  std::string token_file;   // --token-file
  std::string socket_flag;  // --socket

  /// The config, loaded once. The error lists its problems.
  common::Result<const common::Config*> config();
  /// The supervisor's control socket: --socket, else the config's.
  common::Result<std::string> socket_path();
  /// The path the config was looked for at.
  std::string config_path() const { return common::default_config_path(config_flag).string(); }

 private:
  std::optional<common::Config> config_;
};

/// Prints "reship: <message>" to stderr.
void print_error(const std::string& message);
/// print_error(), then `code`: what a command returns when it cannot go on.
int fail(const std::string& message, int code = kExitUsage);

/// "312 ms", "4.2 s", "3m12s", "2h5m" for how long something took or lasted.
std::string human_duration(int64_t ms);

}  // namespace reship::cli
