#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace reship::test {

/// What a finished command left behind.
struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  int signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
};

/// Runs argv to completion with stdin from /dev/null, capturing stdout and
/// stderr. A command still running at `timeout` is killed (timed_out = true).
RunResult run_command(const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30),
                      const std::map<std::string, std::string>& extra_env = {});

/// A background process started in its own process group. Its stdout and
/// stderr go to `log_path` (when given). The destructor sends SIGTERM to the
/// group, waits up to 5 s, then SIGKILLs it: no test leaves a process behind.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path = "",
               const std::map<std::string, std::string>& extra_env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  /// Sends `signum` to the process (not the group).
  void signal(int signum);
  /// Waits until the process exits; returns its exit code, 128+signal when
  /// killed, or -1 at the deadline.
  int wait(std::chrono::milliseconds timeout);
  /// TERM, then KILL after `grace`, to the whole group; returns as wait().
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

/// Polls `condition` every few milliseconds until it holds or `timeout`
/// passes. For waiting on another process's observable state (a file, a
/// socket), where no event reaches the test; returns the last result.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

/// A TCP port that was free a moment ago on 127.0.0.1.
int free_port();

/// True when `pid` is a zombie or gone.
bool process_gone(pid_t pid);

/// True when `pid` is gone for good: exited and reaped by its parent.
bool process_reaped(pid_t pid);

/// The zombie children of `parent` (exited, not reaped).
std::vector<pid_t> zombie_children(pid_t parent);

/// The processes whose environment holds `entry` ("NAME=value").
std::vector<pid_t> processes_with_env(const std::string& entry);

/// The children of `parent`, from /proc.
std::vector<pid_t> children_of(pid_t parent);

/// A "kB" field of /proc/PID/status ("VmRSS", "VmHWM"), in KiB; -1 when absent.
long proc_status_kib(pid_t pid, const std::string& field);

}  // namespace reship::test
