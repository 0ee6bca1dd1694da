#pragma once

// A cgroup of a daemon's own for one tree of processes (a build): whatever the
// tree starts stays in it, through setsid() and double forks, so it can be
// listed and stopped as a whole, and the kernel's OOM kills in it counted.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace reship::common {

class ProcessCgroup {
 public:
  /// Which hierarchy holds it. On a cgroup v1 machine ("hybrid" included) the
  /// memory controller's hierarchy is used, which also counts OOM kills; else
  /// pids'; on v2 the unified one (with memory when it can be delegated).
  enum class Kind { v2, v1_memory, v1_pids };

  /// Makes `name` below the cgroup this process runs in, in the first
  /// hierarchy where that works, the memory limit `memory_max` set (0: none)
  /// where the memory controller is there. The error says why none could be
  /// made (not root, no writable hierarchy).
  static Result<std::unique_ptr<ProcessCgroup>> create(const std::string& name, uint64_t memory_max);

  /// Removes it, killing what is left (SIGKILL) first.
  ~ProcessCgroup();
  ProcessCgroup(const ProcessCgroup&) = delete;
  ProcessCgroup& operator=(const ProcessCgroup&) = delete;

  Kind kind() const { return kind_; }
  const std::filesystem::path& path() const { return path_; }
  /// "cgroup v1 memory /sys/fs/cgroup/memory/x/reship-build-1 (memory.limit_in_bytes 512 MiB)",
  /// for the log.
  std::string describe() const;
  /// Its cgroup.procs, open for writing: a child writes "0" to it before
  /// exec (SpawnRequest::cgroup_procs_fd) and is in it from its first
  /// instruction on, with everything it ever starts.
  int procs_fd() const { return procs_fd_; }
  /// Whether the memory limit holds here (false: the controller could not be
  /// had, `memory_note()` says why).
  bool memory_limited() const { return memory_limited_; }
  const std::string& memory_note() const { return memory_note_; }

  /// The processes in it now.
  std::vector<pid_t> pids() const;
  bool empty() const { return pids().empty(); }
  /// Sends `sig` to every process in it; returns how many there were.
  /// Repeats until a pass finds no newcomer, so a fork racing the signal
  /// is caught too.
  /// Processes of the group `except_group` (when not 0) are skipped: their
  /// owner signals that group itself, and a process told SIGTERM twice may
  /// take the second one as "now" (returns all found still).
  int signal_all(int sig, pid_t except_group = 0) const;

  /// The events file whose "oom_kill N" counts OOM kills ("" when this
  /// hierarchy has none), its content, and the limit file's content.
  std::string oom_events() const;
  std::string memory_limit_text() const;
  /// "memory.max" or "memory.limit_in_bytes" ("" without the controller).
  const char* memory_limit_file() const;

 private:
  ProcessCgroup(Kind kind, std::filesystem::path path) : kind_(kind), path_(std::move(path)) {}

  Kind kind_;
  std::filesystem::path path_;
  int procs_fd_ = -1;
  bool memory_limited_ = false;
  bool has_memory_ = false;
  uint64_t memory_max_ = 0;
  std::string memory_note_;
};

}  // namespace reship::common
