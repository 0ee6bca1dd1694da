#include "common/os/leftovers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <spdlog/spdlog.h>

namespace reship::common {
namespace {

bool environ_has(pid_t pid, const std::string& entry) {
  const std::string path = "/proc/" + std::to_string(pid) + "/environ";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string env;
  char buf[8192];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) env.append(buf, static_cast<size_t>(n));
  ::close(fd);
  size_t start = 0;
  while (start < env.size()) {
    size_t end = env.find('\0', start);
    if (end == std::string::npos) end = env.size();
    if (std::string_view(env).substr(start, end - start) == entry) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

int kill_processes_with_env(const std::string& entry, pid_t spare_group) {
  int found = 0;
  std::error_code ec;
  for (const auto& dir : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = dir.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str()));
    if (pid == ::getpid() || !environ_has(pid, entry)) continue;
    const pid_t pgid = ::getpgid(pid);
    if (spare_group > 0 && pgid == spare_group) continue;
    ++found;
    if (pgid > 0 && pgid != ::getpgrp()) ::kill(-pgid, SIGKILL);
    ::kill(pid, SIGKILL);
    spdlog::warn("killed leftover process {} ({})", pid, entry);
  }
  return found;
}

}  // namespace reship::common
