#include "common/process_spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "common/config.hpp"

extern char** environ;

namespace reship::common {
namespace {

// Which step of the child's setup failed, sent back over the error pipe.
enum class Step : int { session, stdio, chdir, groups, gid, uid, exec };

const char* step_text(Step step) {
  switch (step) {
    case Step::session: return "cannot start a new session";
    case Step::stdio: return "cannot set up stdin/stdout/stderr";
    case Step::chdir: return "cannot chdir to";
    case Step::groups: return "cannot set supplementary groups";
    case Step::gid: return "cannot set group id";
    case Step::uid: return "cannot set user id";
    case Step::exec: return "cannot exec";
  }
  return "cannot start";
}

struct ChildError {
  Step step;
  int err;
};

// Runs in the child between fork() and exec(): async-signal-safe calls only.
[[noreturn]] void child_fail(int fd, Step step) {
  const ChildError e{step, errno};
  ssize_t ignored = ::write(fd, &e, sizeof e);
  (void)ignored;
  _exit(127);
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

Result<UserIdentity> lookup_user(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  const int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0) return errno_error("cannot look up user \"" + name + "\"", rc);
  if (found == nullptr) return Error{"unknown user \"" + name + "\": create it or fix the service's user ="};
  UserIdentity id;
  id.name = name;
  id.uid = pw.pw_uid;
  id.gid = pw.pw_gid;
  id.home = pw.pw_dir;
  int count = 64;
  std::vector<gid_t> groups(static_cast<size_t>(count));
  while (::getgrouplist(name.c_str(), pw.pw_gid, groups.data(), &count) < 0) groups.resize(static_cast<size_t>(count));
  groups.resize(static_cast<size_t>(count));
  id.groups = std::move(groups);
  return id;
}

Result<std::string> resolve_command(const std::string& arg0, const std::filesystem::path& cwd,
                                    const std::string& path_env) {
  if (arg0.empty()) return Error{"empty command"};
  if (arg0.find('/') != std::string::npos) {
    const std::filesystem::path p(arg0);
    const std::string full = (p.is_absolute() ? p : cwd / p).lexically_normal().string();
    if (!is_executable_file(full)) {
      const int err = ::access(full.c_str(), F_OK) == 0 ? EACCES : ENOENT;
      return errno_error("cannot run " + full, err);
    }
    return full;
  }
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string::npos) end = path_env.size();
    std::string dir = path_env.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + arg0;
    if (is_executable_file(candidate)) return candidate;
    start = end + 1;
  }
  return Error{"command not found: \"" + arg0 + "\" is not in PATH (" + path_env + ")", ENOENT};
}

Result<pid_t> spawn_process(const SpawnRequest& request) {
  // Everything the child needs is prepared here: after fork() it may only
  // make async-signal-safe calls.
  std::vector<char*> argv;
  for (const auto& a : request.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : request.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const std::string cwd = request.cwd.string();
  const std::string& program = request.program.empty() ? request.argv.at(0) : request.program;

  const int dev_null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (dev_null < 0) return errno_error("cannot open /dev/null");
  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
    ::close(dev_null);
    return errno_error("cannot create a pipe");
  }

  // Signals stay blocked across fork() so that no handler of ours runs in the
  // child before it has reset them all to their defaults.
  const pid_t parent = ::getpid();
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int err_fd = error_pipe[1];
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    if (::setsid() < 0) child_fail(err_fd, Step::session);
    const int out = request.stdout_fd >= 0 ? request.stdout_fd : dev_null;
    const int err = request.stderr_fd >= 0 ? request.stderr_fd : dev_null;
    // dup2 clears O_CLOEXEC on the new descriptors 0, 1 and 2.
    if (::dup2(dev_null, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) child_fail(err_fd, Step::stdio);
    // Descriptors without O_CLOEXEC must not leak into the child; marking
    // them close-on-exec keeps err_fd usable until exec. (Daemons also call
    // close_inherited_fds_on_exec() at start, for kernels before 5.11
    // where this call fails.)
    (void)::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) child_fail(err_fd, Step::chdir);
    if (request.user) {
      const auto& u = *request.user;
      if (::setgroups(u.groups.size(), u.groups.data()) != 0) child_fail(err_fd, Step::groups);
      if (::setgid(u.gid) != 0) child_fail(err_fd, Step::gid);
      if (::setuid(u.uid) != 0) child_fail(err_fd, Step::uid);
    }
    if (request.parent_death_signal != 0) {
      ::prctl(PR_SET_PDEATHSIG, request.parent_death_signal);
      // The parent may have died before the prctl took effect.
      if (::getppid() != parent) _exit(127);
    }
    ::execve(program.c_str(), argv.data(), envp.data());
    child_fail(err_fd, Step::exec);
  }
  const int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(error_pipe[1]);
  ::close(dev_null);
  if (pid < 0) {
    ::close(error_pipe[0]);
    return errno_error("cannot fork", fork_errno);
  }
  // The pipe closes without data when exec succeeds (O_CLOEXEC), or carries
  // the failed step and errno.
  ChildError child_error{};
  ssize_t n;
  do {
    n = ::read(error_pipe[0], &child_error, sizeof child_error);
  } while (n < 0 && errno == EINTR);
  ::close(error_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof child_error)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::string what = step_text(child_error.step);
    if (child_error.step == Step::chdir) what += " " + cwd;
    if (child_error.step == Step::exec) what += " " + program;
    return errno_error(what, child_error.err);
  }
  return pid;
}

void close_inherited_fds_on_exec() {
  std::error_code ec;
  std::vector<int> fds;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const int fd = std::atoi(entry.path().filename().c_str());
    if (fd > 2) fds.push_back(fd);
  }
  // Collected first: the directory iterator holds a descriptor of its own.
  for (int fd : fds) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC)) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
}

std::vector<std::string> current_environment(const std::vector<std::string>& drop) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    bool dropped = false;
    for (const auto& d : drop) dropped = dropped || d == name;
    if (!dropped) env.push_back(entry);
  }
  return env;
}

void set_env(std::vector<std::string>& env, const std::string& name, const std::string& value) {
  const std::string prefix = name + "=";
  for (auto& e : env) {
    if (e.compare(0, prefix.size(), prefix) == 0) {
      e = prefix + value;
      return;
    }
  }
  env.push_back(prefix + value);
}

std::string get_env(const std::vector<std::string>& env, const std::string& name) {
  const std::string prefix = name + "=";
  for (const auto& e : env) {
    if (e.compare(0, prefix.size(), prefix) == 0) return e.substr(prefix.size());
  }
  return "";
}

bool process_group_empty(pid_t pgid) { return pgid > 0 && ::kill(-pgid, 0) != 0 && errno == ESRCH; }

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    std::string text = "killed by signal " + signal_name(WTERMSIG(status));
    if (WCOREDUMP(status)) text += " (core dumped)";
    return text;
  }
  return "stopped";
}

}  // namespace reship::common
