#include "common/config/config.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace reship::common {
namespace {

struct SignalName {
  const char* name;
  int number;
};

constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"ALRM", SIGALRM}, {"WINCH", SIGWINCH}, {"ABRT", SIGABRT},
    {"SEGV", SIGSEGV}, {"BUS", SIGBUS},   {"FPE", SIGFPE},   {"ILL", SIGILL},   {"PIPE", SIGPIPE},
    {"STOP", SIGSTOP}, {"CONT", SIGCONT}, {"TRAP", SIGTRAP}, {"SYS", SIGSYS},   {"XCPU", SIGXCPU},
};

}  // namespace

bool ListenAddress::is_local() const {
  if (is_unix) return true;
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

const char* restart_mode_name(RestartMode mode) {
  return mode == RestartMode::overlap ? "overlap" : "stop-first";
}

const ServiceConfig* Config::find_service(std::string_view name) const {
  for (const auto& s : services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const std::vector<std::string>* Config::find_scope(std::string_view name) const {
  auto it = scopes.find(std::string(name));
  return it == scopes.end() ? nullptr : &it->second;
}

std::string Config::lane_of(std::string_view scope) const {
  for (const auto& [lane, members] : lanes) {
    for (const auto& m : members) {
      if (m == scope) return lane;
    }
  }
  return std::string(kDefaultLane);
}

std::string ConfigProblem::to_string() const { return file + ":" + std::to_string(line) + ": " + message; }

std::filesystem::path default_config_path(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("RESHIP_CONFIG"); env != nullptr && *env != '\0') return env;
  // The system-wide config (where systemd/README.md installs it) serves a
  // shell that has none of its own: `reship ps` as root on a systemd host.
  // A ./reship.toml still comes first, and with neither the messages name it.
  std::error_code ec;
  if (!std::filesystem::exists("reship.toml", ec) && std::filesystem::is_regular_file(kSystemConfigPath, ec)) {
    return kSystemConfigPath;
  }
  return "reship.toml";
}

int signal_from_name(std::string_view name) {
  if (name.rfind("SIG", 0) == 0) name.remove_prefix(3);
  for (const auto& s : kSignals) {
    if (name == s.name) return s.number;
  }
  return 0;
}

std::string signal_name(int signum) {
  for (const auto& s : kSignals) {
    if (s.number == signum) return s.name;
  }
  return "SIG" + std::to_string(signum);
}

}  // namespace reship::common
