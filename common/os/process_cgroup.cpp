#include "common/os/process_cgroup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "common/os/cgroup_paths.hpp"

namespace reship::common {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

bool write_text(const fs::path& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

std::string bytes_text(uint64_t bytes) {
  if (bytes % (1024ULL * 1024 * 1024) == 0) return std::to_string(bytes >> 30) + " GiB";
  if (bytes % (1024ULL * 1024) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

// One hierarchy a cgroup could be made in, most useful first.
struct Candidate {
  ProcessCgroup::Kind kind;
  const char* controller;  // "" for the unified hierarchy
  bool memory;             // its files count memory and OOM kills
};

// Where this process's own cgroup of a hierarchy is: the mount plus the path
// /proc/self/cgroup gives, or the mount itself when that path is not there
// (a container that sees only its own part of the tree).
std::optional<fs::path> own_dir(const Candidate& c, const std::string& cgroups, const std::string& mounts) {
  const auto mount = cgroup_mount_point(mounts, c.controller);
  const auto path = own_cgroup_path(cgroups, c.controller);
  if (!mount || !path) return std::nullopt;
  const fs::path full = fs::path(*mount) / fs::path(*path).relative_path();
  std::error_code ec;
  if (fs::is_directory(full, ec)) return full;
  if (fs::is_directory(*mount, ec)) return fs::path(*mount);
  return std::nullopt;
}

// Empty cgroups whose removal failed while their last processes were still
// exiting: retried at each later create and destroy of this process.
std::set<fs::path>& pending_removals() {
  static std::set<fs::path> paths;
  return paths;
}

void retry_removals() {
  auto& paths = pending_removals();
  for (auto it = paths.begin(); it != paths.end();) {
    it = (::rmdir(it->c_str()) == 0 || errno == ENOENT) ? paths.erase(it) : std::next(it);
  }
}

}  // namespace

Result<std::unique_ptr<ProcessCgroup>> ProcessCgroup::create(const std::string& name, uint64_t memory_max) {
  retry_removals();
  static constexpr Candidate kCandidates[] = {
      {Kind::v2, "", true},
      {Kind::v1_memory, "memory", true},
      {Kind::v2, "", false},
      {Kind::v1_pids, "pids", false},
  };
  const std::string cgroups = read_text("/proc/self/cgroup");
  const std::string mounts = read_text("/proc/self/mounts");
  std::string why_not;
  for (const Candidate& c : kCandidates) {
    const auto parent = own_dir(c, cgroups, mounts);
    if (!parent) continue;
    // The unified hierarchy offers memory to a child only when the parent
    // delegates it (its cgroup.subtree_control); "hybrid" machines mount a
    // unified hierarchy with no controllers at all.
    bool memory = c.memory;
    std::string memory_note;
    if (c.kind == Kind::v2 && c.memory) {
      const bool offered = read_text(*parent / "cgroup.controllers").find("memory") != std::string::npos;
      if (!offered) continue;
      if (read_text(*parent / "cgroup.subtree_control").find("memory") == std::string::npos &&
          !write_text(*parent / "cgroup.subtree_control", "+memory")) {
        // Taken up by the second v2 candidate, without memory.
        continue;
      }
    }
    const fs::path path = *parent / name;
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      if (why_not.empty()) why_not = "cannot create " + path.string() + ": " + std::strerror(errno);
      continue;
    }
    std::unique_ptr<ProcessCgroup> group(new ProcessCgroup(c.kind, path));
    group->has_memory_ = memory;
    group->procs_fd_ = ::open((path / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (group->procs_fd_ < 0) {
      if (why_not.empty()) why_not = "cannot open " + (path / "cgroup.procs").string() + ": " + std::strerror(errno);
      continue;  // the destructor removes the folder
    }
    if (memory_max > 0) {
      if (!memory) {
        memory_note = "no memory controller in this hierarchy: the memory limit is not applied";
      } else if (!write_text(path / group->memory_limit_file(), std::to_string(memory_max))) {
        memory_note = "cannot write " + (path / group->memory_limit_file()).string() + ": " + std::strerror(errno);
      } else {
        group->memory_limited_ = true;
        group->memory_max_ = memory_max;
        // The limit is on memory, swap included: with swap the build would
        // only slow down past it, never be stopped.
        if (c.kind == Kind::v2) {
          write_text(path / "memory.swap.max", "0");
        } else {
          write_text(path / "memory.memsw.limit_in_bytes", std::to_string(memory_max));
          write_text(path / "memory.swappiness", "0");
        }
      }
      group->memory_note_ = memory_note;
    }
    return group;
  }
  if (why_not.empty()) why_not = "no cgroup hierarchy of this process is mounted and writable";
  return Error{why_not};
}

ProcessCgroup::~ProcessCgroup() {
  signal_all(SIGKILL);
  if (procs_fd_ >= 0) ::close(procs_fd_);
  // A killed process leaves its cgroup as it exits, a moment after the signal.
  if (::rmdir(path_.c_str()) != 0 && errno != ENOENT) pending_removals().insert(path_);
  retry_removals();
}

std::string ProcessCgroup::describe() const {
  std::string out = kind_ == Kind::v2 ? "cgroup v2 " : kind_ == Kind::v1_memory ? "cgroup v1 memory " : "cgroup v1 pids ";
  out += path_.string();
  if (memory_limited_) {
    out += " (" + std::string(memory_limit_file()) + " " + bytes_text(memory_max_) + ")";
  }
  return out;
}

const char* ProcessCgroup::memory_limit_file() const {
  if (!has_memory_) return "";
  return kind_ == Kind::v2 ? "memory.max" : "memory.limit_in_bytes";
}

std::string ProcessCgroup::oom_events() const {
  if (!has_memory_) return {};
  return read_text(path_ / (kind_ == Kind::v2 ? "memory.events" : "memory.oom_control"));
}

std::string ProcessCgroup::memory_limit_text() const {
  if (!has_memory_) return {};
  return read_text(path_ / memory_limit_file());
}

std::vector<pid_t> ProcessCgroup::pids() const {
  std::vector<pid_t> out;
  const std::string text = read_text(path_ / "cgroup.procs");
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    pid_t pid = 0;
    for (size_t i = start; i < end && text[i] >= '0' && text[i] <= '9'; ++i) pid = pid * 10 + (text[i] - '0');
    if (pid > 0) out.push_back(pid);
    start = end + 1;
  }
  return out;
}

int ProcessCgroup::signal_all(int sig, pid_t except_group) const {
  std::set<pid_t> seen;
  // A process forking while the list is read leaves its child out of that
  // pass: passes go on until one finds nobody new (bounded, for a fork bomb).
  for (int pass = 0; pass < 20; ++pass) {
    bool newcomer = false;
    for (const pid_t pid : pids()) {
      if (seen.insert(pid).second) {
        newcomer = true;
      } else if (sig != SIGKILL) {
        continue;  // one SIGTERM each; a SIGKILL again does no harm
      }
      if (except_group > 0 && ::getpgid(pid) == except_group) continue;
      ::kill(pid, sig);
      // A stopped process acts on its SIGTERM only once continued.
      if (sig == SIGTERM) ::kill(pid, SIGCONT);
    }
    if (!newcomer) break;
  }
  return static_cast<int>(seen.size());
}

}  // namespace reship::common
