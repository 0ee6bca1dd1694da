// The process side of a Service: its environment, its spawn and output
// relays, its readiness watchers, its exit, and signals to its tree. What
// each of these leads to is the table's business (service_machine.cpp).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/time.hpp"
#include "supervisor/service.hpp"

namespace reship::supervisor {

using common::Millis;
using common::monotonic_ms;

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

std::vector<std::string> Service::child_environment() const {
  std::vector<std::string> env = ctx_.base_env;
  if (user_) {
    common::set_env(env, "HOME", user_->home.string());
    common::set_env(env, "USER", user_->name);
    common::set_env(env, "LOGNAME", user_->name);
  }
  common::set_env(env, "RESHIP_SERVICE", config_.name);
  for (const auto& [k, v] : config_.env) common::set_env(env, k, v);
  if (notify_) common::set_env(env, "NOTIFY_SOCKET", notify_->address());
  return env;
}

void Service::open_notify_socket() {
  const uid_t uid = user_ ? user_->uid : ::geteuid();
  auto socket = NotifySocket::open(ctx_.loop, config_.name, uid,
                                  [this](std::string_view message, pid_t sender) { on_notify(message, sender); });
  if (socket) {
    notify_ = std::move(*socket);
  } else {
    user_error_ = socket.error().message;
  }
}

// During an overlap the old process shares the socket (and may say READY=1
// again): only the new one's word counts.
void Service::on_notify(std::string_view message, pid_t sender) {
  if (!notify_says_ready(message)) return;
  if (predecessor_ && predecessor_->owns(sender)) return;
  for (const auto& r : retiring_) {
    if (r->owns(sender)) return;
  }
  dispatch({EventKind::ready});
}

Event Service::spawn_failed(const std::string& error) {
  spdlog::error("{}: cannot start: {}", config_.name, error);
  spawn_error_ = error;
  return EventKind::spawn_failed;
}

Event Service::spawn() {
  adopt_definition();
  if (!user_error_.empty()) return spawn_failed(user_error_);
  auto env = child_environment();
  std::string path_env = common::get_env(env, "PATH");
  if (path_env.empty()) path_env = kDefaultPath;
  auto program = common::resolve_command(config_.command.at(0), config_.cwd, path_env);
  if (!program) return spawn_failed(program.error().message);
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return spawn_failed(common::errno_error("cannot create a pipe").message);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return spawn_failed(common::errno_error("cannot create a pipe").message);
  }
  if (!cgroup_tried_) {
    cgroup_tried_ = true;
    std::string name = "reship-service-" + std::to_string(::getpid()) + "-" + config_.name;
    if (cgroups_made_++ > 0) name += "-" + std::to_string(cgroups_made_);
    auto cgroup = common::ProcessCgroup::create(name, 0);
    if (cgroup) {
      cgroup_ = std::move(*cgroup);
      spdlog::debug("{}: runs in {}", config_.name, cgroup_->describe());
    } else {
      spdlog::debug("{}: no cgroup ({}): followed by its process group", config_.name, cgroup.error().message);
    }
  }
  common::SpawnRequest request;
  request.program = *program;
  request.argv = config_.command;
  request.env = std::move(env);
  request.cwd = config_.cwd;
  request.stdout_fd = out_pipe[1];
  request.stderr_fd = err_pipe[1];
  request.user = user_;
  if (cgroup_) request.cgroup_procs_fd = cgroup_->procs_fd();
  if (sockets_) {
    request.listen_fds = sockets_->fds();
    request.listen_fd_names.assign(request.listen_fds.size(), config_.name);
  }
  auto pid = common::spawn_process(request);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  const uint64_t generation = ++generation_;
  // The relays own the read ends, whatever happened to the spawn.
  relay_output(out_pipe[0], *ctx_.out, generation);
  relay_output(err_pipe[0], *ctx_.err, generation);
  if (!pid) return spawn_failed(pid.error().message);
  pid_ = pgid_ = *pid;
  spawned_ms_ = monotonic_ms();
  ++spawn_count_;
  watch_exit(pid_);
  spdlog::info("{}: started, pid {}", config_.name, pid_);
  return EventKind::spawned;
}

void Service::watch_exit(pid_t pid) {
  std::weak_ptr<bool> alive = alive_;
  ctx_.reaper->watch(pid, [this, alive](pid_t, int status) {
    if (!alive.expired()) on_exit(status);
  });
}

void Service::relay_output(int fd, OutputWriter& writer, uint64_t generation) {
  auto it = outputs_.emplace(outputs_.end(), nullptr);
  std::weak_ptr<bool> alive = alive_;
  *it = std::make_unique<ChildOutput>(ctx_.loop, fd, config_.name, writer, tail_, generation, [this, it, alive] {
    if (alive.expired()) return;
    outputs_.erase(it);
    if (!pending_delivery_) return;
    for (const auto& o : outputs_) {
      if (o->generation() == pending_generation_) return;
    }
    drain_timer_.stop();
    std::exchange(pending_delivery_, nullptr)();
  });
}

void Service::watch_readiness() {
  switch (config_.ready.kind) {
    case common::Readiness::Kind::none:
      follow_up_ = EventKind::ready;  // ready the moment it is started
      return;
    case common::Readiness::Kind::notify:
      break;  // READY=1 arrives on the notify socket
    case common::Readiness::Kind::tcp:
    case common::Readiness::Kind::http:
      probe_ = std::make_unique<ReadinessProbe>(ctx_.loop, config_.ready, [this] { dispatch({EventKind::ready}); });
      break;
  }
  ready_timer_.start(config_.ready_timeout, [this] { dispatch({EventKind::ready_timeout}); });
}

void Service::on_exit(int status) {
  const int64_t exit_ms = monotonic_ms();
  ipc::LastExit last;
  if (WIFEXITED(status)) last.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) last.signal = common::signal_name(WTERMSIG(status));
  last.at = common::now_iso8601();
  last_exit_ = std::move(last);
  exit_description_ = common::describe_wait_status(status);
  const pid_t old_pid = std::exchange(pid_, 0);
  switch (machine_.state) {
    case ServiceState::stopping:
      spdlog::info("{}: pid {} {}", config_.name, old_pid, exit_description_);
      break;
    case ServiceState::starting:
      spdlog::warn("{}: pid {} {} before it was ready", config_.name, old_pid, exit_description_);
      break;
    default:
      spdlog::warn("{}: pid {} {} after {} ms", config_.name, old_pid, exit_description_, exit_ms - spawned_ms_);
      break;
  }
  const ExitFacts facts{WIFEXITED(status) && WEXITSTATUS(status) == 0, Millis(exit_ms - spawned_ms_), tree_empty()};
  dispatch({{EventKind::main_exited, facts}});
}

void Service::signal_tree(int sig) {
  if (pgid_ > 0) ::kill(-pgid_, sig);
  // Once each: the group has had it.
  if (cgroup_) cgroup_->signal_all(sig, pgid_);
}

void Service::signal_stop() {
  signal_tree(config_.stop_signal);
  // A stopped (SIGSTOP) process would never see the stop signal.
  if (config_.stop_signal != SIGKILL) signal_tree(SIGCONT);
}

bool Service::tree_empty() const {
  if (pgid_ > 0 && !common::process_group_empty(pgid_)) return false;
  return !cgroup_ || cgroup_->empty();
}

}  // namespace reship::supervisor
