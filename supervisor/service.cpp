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
constexpr const char* kShuttingDown = "the supervisor is shutting down";
// How long a failed start waits for the rest of the child's output (still in
// the pipe when its exit is seen) before reporting it.
constexpr Millis kOutputGrace{100};

std::string describe(const ActionList& actions) {
  std::string out;
  for (Action a : actions) out += (out.empty() ? "" : ", ") + std::string(action_name(a));
  return out;
}

}  // namespace

Service::Service(ServiceContext& context, common::ServiceConfig config)
    : ctx_(context),
      config_(std::move(config)),
      policy_{config_.restart},
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
  s.state = state_name(announced_);
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

// ---- requests ----------------------------------------------------------------

void Service::start(StartFn done) { dispatch({EventKind::start, {.start = std::move(done)}}); }
void Service::stop(StopFn done) { dispatch({EventKind::stop, {.stop = std::move(done)}}); }
void Service::shut_down(StopFn done) { dispatch({EventKind::shutdown, {.stop = std::move(done)}}); }
void Service::restart(RestartFn done) { dispatch({EventKind::restart, {.restart = std::move(done)}}); }

void Service::kill_now() {
  if (pgid_ > 0) signal_tree(SIGKILL);
}

void Service::check_group() {
  if (waits_for_group(machine_) && tree_empty()) dispatch({EventKind::group_empty});
}

// ---- the runner ----------------------------------------------------------------

void Service::dispatch(Input input) {
  inbox_.push_back(std::move(input));
  if (dispatching_) return;
  dispatching_ = true;
  while (!inbox_.empty()) {
    Input next = std::move(inbox_.front());
    inbox_.pop_front();
    run(std::move(next));
  }
  dispatching_ = false;
}

void Service::run(Input input) {
  caller_ = std::move(input.caller);
  std::optional<Event> event = input.event;
  while (event) {
    const Transition t = step(machine_, *event, policy_);
    if (spdlog::should_log(spdlog::level::debug)) {
      spdlog::debug("{}: {} --{}--> {} [{}]", config_.name, state_name(machine_.state), event_name(event->kind),
                    state_name(t.next.state), describe(t.actions));
    }
    machine_ = t.next;
    for (Action action : t.actions) execute(action, t);
    event = std::exchange(follow_up_, std::nullopt);
  }
  caller_ = {};
}

void Service::execute(Action action, const Transition& transition) {
  switch (action) {
    case Action::add_start_waiter: start_waiters_.push_back(std::move(caller_.start)); return;
    case Action::answer_start_ready: caller_.start({true, pid_, "", ""}); return;
    case Action::refuse_start: caller_.start({false, std::nullopt, kShuttingDown, ""}); return;
    case Action::add_stop_waiter: stop_waiters_.push_back(std::move(caller_.stop)); return;
    case Action::answer_stop: caller_.stop(); return;
    case Action::begin_restart: begin_restart(std::move(caller_.restart)); return;
    // The table joins only while restarting, and restart_ is then set.
    case Action::join_restart: restart_->waiters.push_back(std::move(caller_.restart)); return;
    case Action::refuse_restart: {
      ipc::RestartDone d;
      d.service = config_.name;
      d.error = kShuttingDown;
      caller_.restart(d);
      return;
    }
    case Action::spawn: follow_up_ = spawn(); return;
    case Action::watch_readiness: watch_readiness(); return;
    case Action::stop_readiness:
      probe_.reset();
      ready_timer_.stop();
      return;
    case Action::signal_stop: signal_stop(); return;
    case Action::arm_kill_timer:
      kill_timer_.start(config_.stop_timeout, [this] { dispatch({EventKind::kill_timeout}); });
      return;
    case Action::kill_tree:
      spdlog::warn("{}: still running {} after the stop signal; sending SIGKILL to its process group", config_.name,
                   common::format_duration(config_.stop_timeout));
      signal_tree(SIGKILL);
      if (restart_) restart_->killed = true;
      return;
    case Action::forget_tree:
      kill_timer_.stop();
      pgid_ = 0;
      return;
    case Action::arm_backoff:
      spdlog::info("{}: starting again in {} ({} quick failures in a row)", config_.name,
                   common::format_duration(transition.backoff_delay), machine_.backoff.quick_failures());
      backoff_timer_.start(transition.backoff_delay, [this] { dispatch({EventKind::backoff_elapsed}); });
      return;
    case Action::cancel_backoff: backoff_timer_.stop(); return;
    case Action::announce_state: announce(); return;
    case Action::complete_start_waiters:
      spdlog::info("{}: ready, pid {} ({} ms)", config_.name, pid_, monotonic_ms() - spawned_ms_);
      answer_start({true, pid_, "", ""});
      return;
    case Action::fail_start_stopped: fail_start("stopped by request"); return;
    case Action::fail_start_shutting_down: fail_start(kShuttingDown); return;
    case Action::fail_start_not_ready: fail_start_not_ready(); return;
    case Action::fail_start_cannot_spawn:
      answer_start({false, std::nullopt, "cannot start: " + spawn_error_, ""});
      return;
    case Action::fail_start_exited: fail_start_after_output(exit_description_ + " before it was ready"); return;
    case Action::complete_stop_waiters: complete_stop_waiters(); return;
  }
}

void Service::announce() {
  if (machine_.state == announced_) return;
  spdlog::debug("{}: {} -> {}", config_.name, state_name(announced_), state_name(machine_.state));
  announced_ = machine_.state;
  if (ctx_.on_state_change) ctx_.on_state_change(*this);
}

// ---- callers -------------------------------------------------------------------

void Service::begin_restart(RestartFn done) {
  restart_ = std::make_shared<Restart>(
      Restart{monotonic_ms(), pid_ > 0 ? std::optional<int>(pid_) : std::nullopt, false, {std::move(done)}});
  // The next start's outcome ends the restart.
  start_waiters_.push_back(
      [this, restart = restart_](const StartOutcome& outcome) { finish_restart(*restart, outcome); });
}

void Service::finish_restart(Restart& restart, const StartOutcome& outcome) const {
  ipc::RestartDone d;
  d.service = config_.name;
  d.ok = outcome.ok;
  d.pid = outcome.pid;
  d.old_pid = restart.old_pid;
  d.duration_ms = monotonic_ms() - restart.started_ms;
  d.error = outcome.error;
  d.killed = restart.killed;
  d.output = outcome.output;
  auto waiters = std::move(restart.waiters);
  for (auto& w : waiters) w(d);
}

void Service::answer_start(const StartOutcome& outcome) {
  // A restart in flight is among the waiters, which keep what it needs.
  restart_.reset();
  auto waiters = std::exchange(start_waiters_, {});
  for (auto& w : waiters) w(outcome);
}

void Service::fail_start(const std::string& error) {
  if (start_waiters_.empty()) return;
  answer_start({false, std::nullopt, error, tail_.text(generation_)});
}

void Service::fail_start_not_ready() {
  std::string error = "not ready within " + common::format_duration(config_.ready_timeout);
  if (probe_) error += " (last check of " + config_.ready.text + ": " + probe_->last_error() + ")";
  if (config_.ready.kind == common::Readiness::Kind::notify) error += " (no READY=1 on NOTIFY_SOCKET)";
  spdlog::warn("{}: {}; stopping it", config_.name, error);
  fail_start(error);
}

// The rest of its output may still be in the pipe: report it with the
// failure, to those waiting now (a later start has waiters of its own).
void Service::fail_start_after_output(const std::string& error) {
  restart_.reset();
  auto waiters = std::exchange(start_waiters_, {});
  const uint64_t generation = generation_;
  deliver_when_output_done(generation, [this, waiters = std::move(waiters), error, generation]() mutable {
    const StartOutcome outcome{false, std::nullopt, error, tail_.text(generation)};
    for (auto& w : waiters) w(outcome);
  });
}

void Service::complete_stop_waiters() {
  auto waiters = std::exchange(stop_waiters_, {});
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

// ---- the process -----------------------------------------------------------------

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
  auto socket = NotifySocket::open(ctx_.loop, config_.name, uid, [this](std::string_view message) {
    if (notify_says_ready(message)) dispatch({EventKind::ready});
  });
  if (socket) {
    notify_ = std::move(*socket);
  } else {
    user_error_ = socket.error().message;
  }
}

Event Service::spawn_failed(const std::string& error) {
  spdlog::error("{}: cannot start: {}", config_.name, error);
  spawn_error_ = error;
  return EventKind::spawn_failed;
}

Event Service::spawn() {
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
  relay_output(out_pipe[0], *ctx_.out, generation);
  relay_output(err_pipe[0], *ctx_.err, generation);
  if (!pid) return spawn_failed(pid.error().message);
  pid_ = pgid_ = *pid;
  spawned_ms_ = monotonic_ms();
  ++spawn_count_;
  std::weak_ptr<bool> alive = alive_;
  ctx_.reaper->watch(pid_, [this, alive](pid_t, int status) {
    if (!alive.expired()) on_exit(status);
  });
  spdlog::info("{}: started, pid {}", config_.name, pid_);
  return EventKind::spawned;
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
