#include "common/os/process_spawn.hpp"

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
#include <string_view>

#include "common/config/config.hpp"

extern char** environ;

namespace reship::common {
namespace {

// Which step of the child's setup failed, sent back over the error pipe.
enum class Step : int { session, cgroup, stdio, sockets, chdir, groups, gid, uid, exec };

const char* step_text(Step step) {
  switch (step) {
    case Step::session: return "cannot start a new session";
    case Step::cgroup: return "cannot join its cgroup";
    case Step::stdio: return "cannot set up stdin/stdout/stderr";
    case Step::sockets: return "cannot hand down its listening sockets";
    case Step::chdir: return "cannot chdir to";
    case Step::groups: return "cannot set supplementary groups";
    case Step::gid: return "cannot set group id";
    case Step::uid: return "cannot set user id";
    case Step::exec: return "cannot exec";
  }
  return "cannot start";
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

namespace {

// Everything the child does between vfork() and exec, prepared by the parent.
// The child shares the parent's memory until it execs: it may only make
// system calls and write its outcome here (the parent is suspended until
// then, so reading it afterwards needs no synchronisation).
struct ChildPlan {
  const char* program;
  char* const* argv;
  char* const* envp;
  const char* cwd;
  int dev_null;
  int out;
  int err;
  const UserIdentity* user;
  int parent_death_signal;
  int cgroup_procs;
  const int* listen_fds;
  int* listen_scratch;  // room for listen_count descriptors
  int listen_count;
  char* listen_pid_digits;  // inside envp's "LISTEN_PID=", room for 20 digits
  pid_t parent;
  const int* reset_signals;
  int reset_count;
  sigset_t mask;  // the parent's mask, to restore before exec
  volatile int failed_step = -1;
  volatile int failed_errno = 0;
};

[[noreturn]] void child_fail(ChildPlan& plan, Step step) {
  plan.failed_errno = errno;
  plan.failed_step = static_cast<int>(step);
  _exit(127);
}

// Moves the sockets to 3, 4, ... (by way of descriptors above that range, so
// that none is overwritten before it is moved) and writes the child's pid
// into LISTEN_PID. Only system calls and stores: this runs between vfork()
// and exec.
void pass_listen_fds(ChildPlan& plan) {
  const int first = 3;
  for (int i = 0; i < plan.listen_count; ++i) {
    plan.listen_scratch[i] = ::fcntl(plan.listen_fds[i], F_DUPFD_CLOEXEC, first + plan.listen_count);
    if (plan.listen_scratch[i] < 0) child_fail(plan, Step::sockets);
  }
  // dup2 clears O_CLOEXEC on the new descriptors.
  for (int i = 0; i < plan.listen_count; ++i) {
    if (::dup2(plan.listen_scratch[i], first + i) < 0) child_fail(plan, Step::sockets);
    ::close(plan.listen_scratch[i]);
  }
  char digits[20];
  int n = 0;
  for (unsigned long pid = static_cast<unsigned long>(::getpid()); pid > 0 || n == 0; pid /= 10) {
    digits[n++] = static_cast<char>('0' + pid % 10);
  }
  for (int i = 0; i < n; ++i) plan.listen_pid_digits[i] = digits[n - 1 - i];
  plan.listen_pid_digits[n] = '\0';
}

[[noreturn]] __attribute__((noinline)) void run_child(ChildPlan& plan) {
  // Handlers and ignored dispositions must not reach the new program (exec
  // resets handlers, but keeps what is ignored, like SIGPIPE).
  for (int i = 0; i < plan.reset_count; ++i) ::signal(plan.reset_signals[i], SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::setsid() < 0) child_fail(plan, Step::session);
  // Before anything else, and before setuid: "0" moves the writer.
  if (plan.cgroup_procs != -1 && ::write(plan.cgroup_procs, "0", 1) != 1) child_fail(plan, Step::cgroup);
  // dup2 clears O_CLOEXEC on the new descriptors 0, 1 and 2.
  if (::dup2(plan.dev_null, 0) < 0 || ::dup2(plan.out, 1) < 0 || ::dup2(plan.err, 2) < 0) {
    child_fail(plan, Step::stdio);
  }
  // Descriptors without O_CLOEXEC must not leak into the child. (Daemons
  // also call close_inherited_fds_on_exec() at start, for kernels before
  // 5.11 where this call fails.)
  (void)::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  if (plan.listen_count > 0) pass_listen_fds(plan);
  if (plan.cwd[0] != '\0' && ::chdir(plan.cwd) != 0) child_fail(plan, Step::chdir);
  if (plan.user != nullptr) {
    if (::setgroups(plan.user->groups.size(), plan.user->groups.data()) != 0) child_fail(plan, Step::groups);
    if (::setgid(plan.user->gid) != 0) child_fail(plan, Step::gid);
    if (::setuid(plan.user->uid) != 0) child_fail(plan, Step::uid);
  }
  if (plan.parent_death_signal != 0) {
    // After setuid, which would clear it.
    ::prctl(PR_SET_PDEATHSIG, plan.parent_death_signal);
    // The parent may have died before the prctl took effect.
    if (::getppid() != plan.parent) _exit(127);
  }
  ::execve(plan.program, plan.argv, plan.envp);
  child_fail(plan, Step::exec);
}

// vfork() in a frame of its own: nothing of the caller's lives across it in
// a register that the child could clobber.
__attribute__((noinline)) pid_t start_child(ChildPlan& plan, int& vfork_errno) {
  // Signals stay blocked across vfork() so that no handler of ours runs in
  // the child (on our memory) before it has reset them. vfork() copies no
  // page tables and suspends this process only until the child has exec'd:
  // starting a child costs a fraction of what fork() does.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &plan.mask);
  const pid_t pid = ::vfork();
  if (pid == 0) run_child(plan);
  vfork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &plan.mask, nullptr);
  return pid;
}

}  // namespace

Result<pid_t> spawn_process(const SpawnRequest& request) {
  std::vector<char*> argv;
  for (const auto& a : request.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env = request.env;
  // The child's pid goes into the room after "LISTEN_PID=" once it exists.
  constexpr std::string_view kListenPid = "LISTEN_PID=";
  if (!request.listen_fds.empty()) {
    std::string names;
    for (size_t i = 0; i < request.listen_fds.size(); ++i) {
      if (i > 0) names += ':';
      names += i < request.listen_fd_names.size() ? request.listen_fd_names[i] : "unknown";
    }
    set_env(env, "LISTEN_FDS", std::to_string(request.listen_fds.size()));
    set_env(env, "LISTEN_FDNAMES", names);
    set_env(env, "LISTEN_PID", std::string(20, '0'));
  } else {
    // Only a child that was handed sockets may see these (sd_listen_fds).
    std::erase_if(env, [](const std::string& e) {
      return e.rfind("LISTEN_FDS=", 0) == 0 || e.rfind("LISTEN_PID=", 0) == 0 || e.rfind("LISTEN_FDNAMES=", 0) == 0;
    });
  }
  std::vector<char*> envp;
  char* listen_pid_digits = nullptr;
  for (auto& e : env) {
    envp.push_back(e.data());
    if (e.rfind(kListenPid, 0) == 0) listen_pid_digits = e.data() + kListenPid.size();
  }
  envp.push_back(nullptr);
  std::vector<int> listen_scratch(request.listen_fds.size(), -1);
  const std::string cwd = request.cwd.string();
  const std::string& program = request.program.empty() ? request.argv.at(0) : request.program;

  const int dev_null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (dev_null < 0) return errno_error("cannot open /dev/null");
  // The signals this process handles or ignores: the child resets only those.
  std::vector<int> reset;
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction current {};
    if (sig == SIGKILL || sig == SIGSTOP || ::sigaction(sig, nullptr, &current) != 0) continue;
    if (current.sa_handler != SIG_DFL) reset.push_back(sig);
  }
  ChildPlan plan;
  plan.program = program.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.cwd = cwd.c_str();
  plan.dev_null = dev_null;
  plan.out = request.stdout_fd >= 0 ? request.stdout_fd : dev_null;
  plan.err = request.stderr_fd >= 0 ? request.stderr_fd : dev_null;
  plan.user = request.user ? &*request.user : nullptr;
  plan.cgroup_procs = request.cgroup_procs_fd;
  plan.listen_fds = request.listen_fds.data();
  plan.listen_scratch = listen_scratch.data();
  plan.listen_count = listen_pid_digits != nullptr ? static_cast<int>(request.listen_fds.size()) : 0;
  plan.listen_pid_digits = listen_pid_digits;
  plan.parent_death_signal = request.parent_death_signal;
  plan.parent = ::getpid();
  plan.reset_signals = reset.data();
  plan.reset_count = static_cast<int>(reset.size());

  int vfork_errno = 0;
  const pid_t pid = start_child(plan, vfork_errno);
  ::close(dev_null);
  if (pid < 0) return errno_error("cannot start a process", vfork_errno);
  if (plan.failed_step >= 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    const auto step = static_cast<Step>(plan.failed_step);
    std::string what = step_text(step);
    if (step == Step::chdir) what += " " + cwd;
    if (step == Step::exec) what += " " + program;
    return errno_error(what, plan.failed_errno);
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
