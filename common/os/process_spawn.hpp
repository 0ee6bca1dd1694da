#pragma once

// Starting child processes the way both daemons need them: in a session and
// process group of their own (so that a stop or a cancel reaches every
// grandchild), with default signal handling, a chosen working directory,
// environment and user, and an exec failure reported to the caller as an
// error rather than a mysterious exit code 127.

#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace reship::common {

/// Who a child runs as.
struct UserIdentity {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::filesystem::path home;
};

/// Looks a user up in the password and group databases.
Result<UserIdentity> lookup_user(const std::string& name);

struct SpawnRequest {
  /// The file to execute, already resolved (resolve_command).
  std::string program;
  /// The arguments; argv[0] is passed as is (programs may look at it).
  std::vector<std::string> argv;
  /// The complete environment, "NAME=value" each.
  std::vector<std::string> env;
  std::filesystem::path cwd;
  /// Write ends for the child's stdout and stderr; -1 means /dev/null. The
  /// caller keeps ownership (and closes them after the call).
  int stdout_fd = -1;
  int stderr_fd = -1;
  std::optional<UserIdentity> user;
  /// Sent to the child if this process dies (PR_SET_PDEATHSIG); 0 for none.
  /// SIGKILL by default: a daemon killed outright must not leave its children
  /// running as duplicates of those its next instance starts.
  int parent_death_signal = SIGKILL;
  /// A cgroup's cgroup.procs, open for writing (ProcessCgroup::procs_fd), or
  /// -1: the child joins that cgroup before it runs anything of its own.
  int cgroup_procs_fd = -1;
  /// Listening sockets handed down by sd_listen_fds(3)'s protocol: they
  /// become the child's fds 3, 4, ... in this order, and its environment gets
  /// LISTEN_FDS, LISTEN_FDNAMES (one name each, joined by ':') and LISTEN_PID,
  /// set to the child's own pid after the fork, as systemd does. The caller
  /// keeps ownership.
  std::vector<int> listen_fds;
  std::vector<std::string> listen_fd_names;
};

/// Finds the program to run for `arg0`: a name with a '/' is taken relative to
/// `cwd`, a bare name is searched in `path_env` (a PATH value). The error says
/// where it looked.
Result<std::string> resolve_command(const std::string& arg0, const std::filesystem::path& cwd,
                                    const std::string& path_env);

/// Starts the process. On success the child has already exec'd; its pid is
/// also its process group and session id. On failure nothing is left running
/// and the error says which step failed ("cannot chdir to /app: No such file
/// or directory").
Result<pid_t> spawn_process(const SpawnRequest& request);

/// Marks every descriptor above 2 that this process inherited close-on-exec,
/// so that none leaks into the children it starts. Daemons call it first.
void close_inherited_fds_on_exec();

/// The environment of this process as "NAME=value" strings, minus `drop`.
std::vector<std::string> current_environment(const std::vector<std::string>& drop = {});

/// Sets NAME=value in `env`, replacing an existing NAME.
void set_env(std::vector<std::string>& env, const std::string& name, const std::string& value);

/// The value of NAME in `env`, or "".
std::string get_env(const std::vector<std::string>& env, const std::string& name);

/// True when the process group `pgid` has no member left.
bool process_group_empty(pid_t pgid);

/// "exited with code 1", "killed by signal KILL", from a waitpid status.
std::string describe_wait_status(int status);

}  // namespace reship::common
