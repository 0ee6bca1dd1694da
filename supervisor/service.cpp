#include "supervisor/service.hpp"

#include <algorithm>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/time.hpp"

namespace reship::supervisor {

using common::Millis;
using common::monotonic_ms;

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// How long a failed start waits for the rest of the child's output (still in
// the pipe when its exit is seen) before reporting it.
constexpr Millis kOutputGrace{100};

}  // namespace

Service::Service(ServiceContext& context, common::ServiceConfig config)
    : ctx_(context),
      config_(std::move(config)),
      ready_timer_(context.loop),
      kill_timer_(context.loop),
      backoff_timer_(context.loop),
      drain_timer_(context.loop) {
  if (!config_.user.empty()) {
    auto user = common::lookup_user(config_.user);
    if (user) {
      user_ = std::move(*user);
    } else {
      user_error_ = user.error().message;
    }
  }
  if (config_.ready.kind == common::Readiness::Kind::notify) open_notify_socket();
}

Service::~Service() {
  if (pid_ > 0) ctx_.reaper->unwatch(pid_);
  // Only reached without a shutdown in tests or on a forced exit: never leave
  // a child behind (the cgroup's destructor kills what is in it).
  if (pgid_ > 0) ::kill(-pgid_, SIGKILL);
}

ipc::ServiceStatus Service::status() const {
  ipc::ServiceStatus s;
  s.name = config_.name;
  s.state = state_name(state_);
  if (pid_ > 0) {
    s.pid = pid_;
    s.uptime_ms = monotonic_ms() - spawned_ms_;
  }
  if (cgroup_) {
    const auto pids = cgroup_->pids();
    const bool main_in = pid_ > 0 && std::find(pids.begin(), pids.end(), pid_) != pids.end();
    s.extra_processes = static_cast<int64_t>(pids.size()) - (main_in ? 1 : 0);
  }
  s.restarts = spawn_count_ > 0 ? spawn_count_ - 1 : 0;
  s.ready = ready();
  s.last_exit = last_exit_;
  return s;
}

void Service::set_state(ServiceState state) {
  if (state == state_) return;
  spdlog::debug("{}: {} -> {}", config_.name, state_name(state_), state_name(state));
  state_ = state;
  if (ctx_.on_state_change) ctx_.on_state_change(*this);
}

// ---- requests ----------------------------------------------------------------

void Service::start(StartFn done) {
  if (shutting_down_) {
    done({false, std::nullopt, "the supervisor is shutting down", ""});
    return;
  }
  switch (state_) {
    case ServiceState::running:
      done({true, pid_, "", ""});
      return;
    case ServiceState::starting:
      start_waiters_.push_back(std::move(done));
      return;
    case ServiceState::stopping:
      start_waiters_.push_back(std::move(done));
      after_exit_ = AfterExit::respawn;
      return;
    case ServiceState::backoff:
    case ServiceState::exited:
    case ServiceState::stopped:
      start_waiters_.push_back(std::move(done));
      backoff_timer_.stop();
      backoff_.reset();
      spawn();
      return;
  }
}

void Service::stop(StopFn done) {
  switch (state_) {
    case ServiceState::stopped:
    case ServiceState::exited:
      done();
      return;
    case ServiceState::backoff:
      backoff_timer_.stop();
      set_state(ServiceState::stopped);
      done();
      return;
    case ServiceState::starting:
    case ServiceState::running:
    case ServiceState::stopping:
      stop_waiters_.push_back(std::move(done));
      after_exit_ = AfterExit::stay_stopped;
      fail_start_waiters(shutting_down_ ? "the supervisor is shutting down" : "stopped by request", generation_);
      if (state_ != ServiceState::stopping) begin_stop();
      return;
  }
}

void Service::shut_down(StopFn done) {
  shutting_down_ = true;
  stop(std::move(done));
}

void Service::restart(RestartFn done) {
  if (shutting_down_) {
    ipc::RestartDone d;
    d.service = config_.name;
    d.error = "the supervisor is shutting down";
    done(d);
    return;
  }
  if (restart_) {
    restart_->waiters.push_back(std::move(done));
    return;
  }
  restart_ = Restart{monotonic_ms(), pid_ > 0 ? std::optional<int>(pid_) : std::nullopt, false, {std::move(done)}};
  backoff_.reset();
  // The next start's outcome ends the restart.
  start_waiters_.push_back([this](const StartOutcome& outcome) { finish_restart(outcome); });
  switch (state_) {
    case ServiceState::starting:
    case ServiceState::running:
      after_exit_ = AfterExit::respawn;
      begin_stop();
      return;
    case ServiceState::stopping:
      after_exit_ = AfterExit::respawn;
      return;
    case ServiceState::backoff:
    case ServiceState::exited:
    case ServiceState::stopped:
      backoff_timer_.stop();
      spawn();
      return;
  }
}

void Service::kill_now() {
  if (pgid_ > 0) signal_tree(SIGKILL);
}

void Service::signal_tree(int sig) {
  if (pgid_ > 0) ::kill(-pgid_, sig);
  // Once each: the group has had it.
  if (cgroup_) cgroup_->signal_all(sig, pgid_);
}

bool Service::tree_empty() const {
  if (pgid_ > 0 && !common::process_group_empty(pgid_)) return false;
  return !cgroup_ || cgroup_->empty();
}

void Service::finish_restart(const StartOutcome& outcome) {
  if (!restart_) return;
  ipc::RestartDone d;
  d.service = config_.name;
  d.ok = outcome.ok;
  d.pid = outcome.pid;
  d.old_pid = restart_->old_pid;
  d.duration_ms = monotonic_ms() - restart_->started_ms;
  d.error = outcome.error;
  d.killed = restart_->killed;
  d.output = outcome.output;
  auto waiters = std::move(restart_->waiters);
  restart_.reset();
  for (auto& w : waiters) w(d);
}

// ---- starting ----------------------------------------------------------------

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
  auto socket = NotifySocket::open(ctx_.loop, config_.name, uid, [this](std::string_view m) { on_notify(m); });
  if (socket) {
    notify_ = std::move(*socket);
  } else {
    user_error_ = socket.error().message;
  }
}

void Service::spawn() {
  if (shutting_down_) return;
  exit_was_start_failure_ = false;
  if (!user_error_.empty()) {
    on_spawn_failed(user_error_);
    return;
  }
  auto env = child_environment();
  std::string path_env = common::get_env(env, "PATH");
  if (path_env.empty()) path_env = kDefaultPath;
  auto program = common::resolve_command(config_.command.at(0), config_.cwd, path_env);
  if (!program) {
    on_spawn_failed(program.error().message);
    return;
  }
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    on_spawn_failed(common::errno_error("cannot create a pipe").message);
    return;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    on_spawn_failed(common::errno_error("cannot create a pipe").message);
    return;
  }
  if (!cgroup_tried_) {
    cgroup_tried_ = true;
    auto cgroup = common::ProcessCgroup::create(
        "reship-service-" + std::to_string(::getpid()) + "-" + config_.name, 0);
    if (cgroup) {
      cgroup_ = std::move(*cgroup);
      spdlog::debug("{}: runs in {}", config_.name, cgroup_->describe());
    } else {
      spdlog::debug("{}: no cgroup ({}): followed by its process group", config_.name, cgroup.error().message);
    }
  }
  common::SpawnRequest request{*program, config_.command, std::move(env), config_.cwd, out_pipe[1], err_pipe[1], user_};
  if (cgroup_) request.cgroup_procs_fd = cgroup_->procs_fd();
  auto pid = common::spawn_process(request);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  const uint64_t generation = ++generation_;
  // The relays own the read ends, whatever happened to the spawn.
  for (auto [fd, writer] : {std::pair{out_pipe[0], ctx_.out}, std::pair{err_pipe[0], ctx_.err}}) {
    auto it = outputs_.emplace(outputs_.end(), nullptr);
    std::weak_ptr<bool> alive = alive_;
    *it = std::make_unique<ChildOutput>(ctx_.loop, fd, config_.name, *writer, tail_, generation, [this, it, alive] {
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
  if (!pid) {
    on_spawn_failed(pid.error().message);
    return;
  }
  pid_ = pgid_ = *pid;
  main_exited_ = false;
  killed_ = false;
  spawned_ms_ = monotonic_ms();
  ++spawn_count_;
  std::weak_ptr<bool> alive = alive_;
  ctx_.reaper->watch(pid_, [this, alive](pid_t, int status) {
    if (!alive.expired()) on_exit(status);
  });
  spdlog::info("{}: started, pid {}", config_.name, pid_);
  set_state(ServiceState::starting);
  switch (config_.ready.kind) {
    case common::Readiness::Kind::none:
      on_ready();
      return;
    case common::Readiness::Kind::notify:
      break;
    case common::Readiness::Kind::tcp:
    case common::Readiness::Kind::http:
      probe_ = std::make_unique<ReadinessProbe>(ctx_.loop, config_.ready, [this] { on_ready(); });
      break;
  }
  ready_timer_.start(config_.ready_timeout, [this] { on_ready_timeout(); });
}

void Service::on_spawn_failed(const std::string& error) {
  spdlog::error("{}: cannot start: {}", config_.name, error);
  complete_start_waiters({false, std::nullopt, "cannot start: " + error, ""});
  if (shutting_down_) {
    set_state(ServiceState::stopped);
    return;
  }
  if (config_.restart == common::RestartPolicy::never) {
    set_state(ServiceState::exited);
    return;
  }
  schedule_start(backoff_.after_failed_start());
}

void Service::on_ready() {
  if (state_ != ServiceState::starting) return;
  probe_.reset();
  ready_timer_.stop();
  ready_ms_ = monotonic_ms();
  spdlog::info("{}: ready, pid {} ({} ms)", config_.name, pid_, ready_ms_ - spawned_ms_);
  set_state(ServiceState::running);
  complete_start_waiters({true, pid_, "", ""});
}

void Service::on_notify(std::string_view message) {
  if (notify_says_ready(message)) on_ready();
}

void Service::on_ready_timeout() {
  if (state_ != ServiceState::starting) return;
  std::string error = "not ready within " + common::format_duration(config_.ready_timeout);
  if (probe_) error += " (last check of " + config_.ready.text + ": " + probe_->last_error() + ")";
  if (config_.ready.kind == common::Readiness::Kind::notify) error += " (no READY=1 on NOTIFY_SOCKET)";
  spdlog::warn("{}: {}; stopping it", config_.name, error);
  probe_.reset();
  exit_was_start_failure_ = true;
  fail_start_waiters(error, generation_);
  after_exit_ = AfterExit::apply_policy;
  begin_stop();
}

// ---- exits and stops -----------------------------------------------------------

void Service::on_exit(int status) {
  exit_status_ = status;
  exit_ms_ = monotonic_ms();
  ipc::LastExit last;
  if (WIFEXITED(status)) last.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) last.signal = common::signal_name(WTERMSIG(status));
  last.at = common::now_iso8601();
  last_exit_ = std::move(last);
  const std::string what = common::describe_wait_status(status);
  const pid_t old_pid = pid_;
  pid_ = 0;
  main_exited_ = true;
  probe_.reset();
  ready_timer_.stop();

  if (state_ == ServiceState::stopping) {
    spdlog::info("{}: pid {} {}", config_.name, old_pid, what);
    check_group();
    return;
  }
  if (state_ == ServiceState::starting) {
    exit_was_start_failure_ = true;
    const std::string error = what + " before it was ready";
    spdlog::warn("{}: pid {} {}", config_.name, old_pid, error);
    // The rest of its output may still be in the pipe: report it with the
    // failure, to those waiting now (a later start has waiters of its own).
    auto waiters = std::move(start_waiters_);
    start_waiters_.clear();
    const uint64_t generation = generation_;
    deliver_when_output_done(generation, [this, waiters = std::move(waiters), error, generation]() mutable {
      const StartOutcome outcome{false, std::nullopt, error, tail_.text(generation)};
      for (auto& w : waiters) w(outcome);
    });
  } else {
    spdlog::warn("{}: pid {} {} after {} ms", config_.name, old_pid, what, exit_ms_ - spawned_ms_);
  }
  after_exit_ = AfterExit::apply_policy;
  if (!tree_empty()) {
    // The main process is gone but something it started lives on (in its
    // group, or daemonized in its cgroup): stop it as a stop would, so that
    // the next start finds its port free and no copy piles up.
    set_state(ServiceState::stopping);
    signal_tree(config_.stop_signal);
    kill_timer_.start(config_.stop_timeout, [this] { on_kill_timeout(); });
    return;
  }
  finish_group();
}

void Service::begin_stop() {
  set_state(ServiceState::stopping);
  killed_ = false;
  probe_.reset();
  ready_timer_.stop();
  if (pgid_ <= 0 || (main_exited_ && tree_empty())) {
    finish_group();
    return;
  }
  signal_tree(config_.stop_signal);
  // A stopped (SIGSTOP) process would never see the stop signal.
  if (config_.stop_signal != SIGKILL) signal_tree(SIGCONT);
  kill_timer_.start(config_.stop_timeout, [this] { on_kill_timeout(); });
}

void Service::on_kill_timeout() {
  spdlog::warn("{}: still running {} after the stop signal; sending SIGKILL to its process group", config_.name,
               common::format_duration(config_.stop_timeout));
  signal_tree(SIGKILL);
  killed_ = true;
  if (restart_) restart_->killed = true;
  // Leftovers that are not our children would never be reported: after a
  // SIGKILL, a gone main process is enough.
  if (main_exited_) finish_group();
}

void Service::check_group() {
  if (state_ != ServiceState::stopping || !main_exited_ || pgid_ <= 0) return;
  if (tree_empty() || killed_) finish_group();
}

void Service::finish_group() {
  kill_timer_.stop();
  pgid_ = 0;
  main_exited_ = false;
  const AfterExit after = after_exit_;
  after_exit_ = AfterExit::apply_policy;
  if (shutting_down_ || after == AfterExit::stay_stopped) {
    set_state(ServiceState::stopped);
    complete_stop_waiters();
    return;
  }
  // A stop asked before a start or restart overrode it did happen: its
  // callers hear so before the service starts again.
  complete_stop_waiters();
  if (after == AfterExit::respawn) {
    spawn();
    return;
  }
  apply_policy(exit_was_start_failure_);
}

void Service::apply_policy(bool failed_start) {
  const bool clean_exit = WIFEXITED(exit_status_) && WEXITSTATUS(exit_status_) == 0 && !failed_start;
  const bool again = config_.restart == common::RestartPolicy::always ||
                     (config_.restart == common::RestartPolicy::on_failure && !clean_exit);
  if (!again) {
    set_state(ServiceState::exited);
    return;
  }
  schedule_start(failed_start ? backoff_.after_failed_start() : backoff_.after_exit(Millis(exit_ms_ - spawned_ms_)));
}

void Service::schedule_start(Millis delay) {
  if (delay.count() == 0) {
    spawn();
    return;
  }
  spdlog::info("{}: starting again in {} ({} quick failures in a row)", config_.name, common::format_duration(delay),
               backoff_.quick_failures());
  set_state(ServiceState::backoff);
  backoff_timer_.start(delay, [this] { spawn(); });
}

// ---- waiters -------------------------------------------------------------------

void Service::complete_start_waiters(const StartOutcome& outcome) {
  auto waiters = std::move(start_waiters_);
  start_waiters_.clear();
  for (auto& w : waiters) w(outcome);
}

void Service::fail_start_waiters(const std::string& error, uint64_t generation) {
  if (start_waiters_.empty()) return;
  complete_start_waiters({false, std::nullopt, error, tail_.text(generation)});
}

void Service::complete_stop_waiters() {
  auto waiters = std::move(stop_waiters_);
  stop_waiters_.clear();
  for (auto& w : waiters) w();
}

void Service::deliver_when_output_done(uint64_t generation, std::function<void()> deliver) {
  bool open = false;
  for (const auto& o : outputs_) open = open || o->generation() == generation;
  if (!open) {
    deliver();
    return;
  }
  // A previous delivery still waiting goes first.
  if (pending_delivery_) std::exchange(pending_delivery_, nullptr)();
  pending_delivery_ = std::move(deliver);
  pending_generation_ = generation;
  drain_timer_.start(kOutputGrace, [this] {
    if (pending_delivery_) std::exchange(pending_delivery_, nullptr)();
  });
}

}  // namespace reship::supervisor
