#pragma once

// The whole configuration of contract section 1, as plain typed structs shared
// by both daemons and the CLI. config_loader.cpp fills them from TOML; nothing
// else sees TOML.

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/duration.hpp"

namespace reship::common {

/// The name that stands for the supervisor itself in scopes and restarts.
inline constexpr std::string_view kEdge = "edge";
/// The one lane of a config without [lanes].
inline constexpr std::string_view kDefaultLane = "main";

enum class RestartPolicy { always, on_failure, never };

/// How the supervisor learns that a service is ready.
struct Readiness {
  enum class Kind { none, notify, tcp, http };
  Kind kind = Kind::none;
  std::string host;  // tcp, http
  int port = 0;      // tcp, http
  std::string path;  // http: "/healthz"
  std::string text;  // as written in the config, for messages

  bool operator==(const Readiness&) const = default;
};

/// An address to listen on: a `[back] listen` entry ("HOST:PORT" or
/// "unix:PATH") or a service's (`tcp://HOST:PORT` or "unix:PATH").
struct ListenAddress {
  bool is_unix = false;
  std::string host;
  int port = 0;
  std::filesystem::path path;
  std::string text;
  int line = 0;  // in the config file, for messages

  /// True for 127.0.0.0/8, ::1, "localhost" and Unix sockets.
  bool is_local() const;
  /// The same address; where the file writes it (`line`) does not count.
  bool operator==(const ListenAddress& o) const {
    return is_unix == o.is_unix && host == o.host && port == o.port && path == o.path && text == o.text;
  }
};

/// How a restart replaces a running process (issue 18).
enum class RestartMode {
  stop_first,  ///< stop the old process, then start the new
  overlap,     ///< start the new, wait for its ready, then stop the old
};
const char* restart_mode_name(RestartMode mode);

struct ServiceConfig {
  std::string name;
  std::vector<std::string> command;
  std::filesystem::path cwd;
  std::vector<std::pair<std::string, std::string>> env;
  RestartPolicy restart = RestartPolicy::always;
  Readiness ready;
  Millis ready_timeout{30'000};
  int stop_signal = 15;  // SIGTERM
  Millis stop_timeout{10'000};
  bool autostart = true;
  /// User to run as ("" = the supervisor's own); the child drops to its uid,
  /// primary gid and supplementary groups before exec.
  std::string user;
  /// Sockets the supervisor binds once and passes to every start as fds 3...
  /// (LISTEN_FDS, sd_listen_fds(3)). A bound port never closes across restarts.
  std::vector<ListenAddress> listen;
  RestartMode restart_mode = RestartMode::stop_first;

  /// The same definition: what a reload compares to decide whether a
  /// service must restart.
  bool operator==(const ServiceConfig&) const = default;
};

struct SupervisorConfig {
  std::filesystem::path socket;
  unsigned socket_mode = 0600;
  Millis stop_timeout{10'000};
  int self_restart_exit_code = 75;
  /// Uids allowed on the control socket besides root and the socket's owner.
  std::vector<uid_t> allow_uids;
};

struct BackConfig {
  std::vector<ListenAddress> listen;
  std::filesystem::path state_dir;
  std::filesystem::path workdir;
  std::string service;  // this daemon's own name in [services], "" if not supervised
  size_t log_tail_bytes = 8192;
  Millis build_timeout{30 * 60'000};
  /// A build's memory limit in bytes, swap included, set on its cgroup (0:
  /// none); past it the kernel's OOM killer stops the build.
  uint64_t build_memory_max = 0;
  std::map<std::string, std::vector<std::string>> covers;
  /// How many deploy logs to keep on disk (oldest removed first).
  size_t keep_logs = 200;
  /// HTTP limits: time for a request's headers to arrive, idle keep-alive
  /// time, and open connections at most (beyond: 503).
  Millis header_timeout{10'000};
  Millis idle_timeout{60'000};
  size_t max_connections = 1024;
  /// Builds running at once over all lanes; 0: one per lane.
  size_t max_parallel_builds = 0;
};

struct TokenConfig {
  std::string name;
  std::array<unsigned char, 32> sha256{};
  std::vector<std::string> scopes;
  bool unrestricted = false;

  bool operator==(const TokenConfig&) const = default;
};

struct Config {
  std::filesystem::path file;  // absolute path of the config file
  std::filesystem::path dir;   // its folder: relative paths resolve against it
  SupervisorConfig supervisor;
  std::vector<ServiceConfig> services;  // in the order of the file
  std::map<std::string, std::vector<std::string>> scopes;
  BackConfig back;
  std::map<std::string, std::vector<std::string>> builds;
  std::vector<TokenConfig> tokens;
  /// [lanes]: lane name -> the scopes whose deploys queue in it. Empty when
  /// the file has none: every scope is then in one lane, kDefaultLane.
  std::map<std::string, std::vector<std::string>> lanes;

  /// The lane a scope's deploys queue in.
  std::string lane_of(std::string_view scope) const;

  const ServiceConfig* find_service(std::string_view name) const;
  const std::vector<std::string>* find_scope(std::string_view name) const;
};

/// One problem found in a config file, printed as "PATH:LINE: message".
struct ConfigProblem {
  std::string file;
  int line = 0;
  std::string message;

  std::string to_string() const;
};

/// Loads and validates a config file. On failure, `problems` lists every
/// problem found, not just the first.
struct ConfigLoad {
  std::optional<Config> config;
  std::vector<ConfigProblem> problems;
};

ConfigLoad load_config(const std::filesystem::path& file);
/// Same as load_config, from text already in memory; `file` names it in messages
/// and is the base of relative paths.
ConfigLoad load_config_text(std::string_view text, const std::filesystem::path& file);

/// The system-wide config, used when there is no ./reship.toml.
inline constexpr const char* kSystemConfigPath = "/etc/reship/reship.toml";

/// The config path a binary uses: --config if given, else $RESHIP_CONFIG,
/// else ./reship.toml when it exists, else /etc/reship/reship.toml when that
/// exists, else ./reship.toml (which the messages then name).
std::filesystem::path default_config_path(const std::string& flag_value);

/// Parses "TERM", "SIGTERM" or a number; returns 0 for an unknown name.
int signal_from_name(std::string_view name);
/// "TERM" for SIGTERM; "SIG<n>" for numbers without a name.
std::string signal_name(int signum);

}  // namespace reship::common
