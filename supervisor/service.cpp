#include "supervisor/service.hpp"

#include <signal.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/time.hpp"

namespace reship::supervisor {

using common::Millis;
using common::monotonic_ms;

namespace {

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
      policy_{config_.restart, config_.restart_mode == common::RestartMode::overlap},
      ready_timer_(context.loop),
      kill_timer_(context.loop),
      backoff_timer_(context.loop),
      drain_timer_(context.loop) {
  resolve_user();
  if (config_.ready.kind == common::Readiness::Kind::notify) open_notify_socket();
}

void Service::resolve_user() {
  user_.reset();
  user_error_.clear();
  if (config_.user.empty()) return;
  auto user = common::lookup_user(config_.user);
  if (user) {
    user_ = std::move(*user);
  } else {
    user_error_ = user.error().message;
  }
}

void Service::redefine(common::ServiceConfig config, std::unique_ptr<ListenSockets> sockets) {
  if (ListenSockets* held = pending_ ? pending_->sockets.get() : sockets_.get(); held && sockets) {
    held->hand_over_paths(*sockets);
  }
  pending_ = Definition{std::move(config), std::move(sockets)};
}

void Service::adopt_definition() {
  if (!pending_) return;
  config_ = std::move(pending_->config);
  sockets_ = std::move(pending_->sockets);
  pending_.reset();
  policy_ = {config_.restart, config_.restart_mode == common::RestartMode::overlap};
  resolve_user();
  const bool notify = config_.ready.kind == common::Readiness::Kind::notify;
  if (notify && !notify_) open_notify_socket();
  if (!notify) notify_.reset();
  spdlog::info("{}: starts with its new definition", config_.name);
}

Service::~Service() {
  if (pid_ > 0) ctx_.reaper->unwatch(pid_);
  if (predecessor_) ctx_.reaper->unwatch(predecessor_->pid());
  for (const auto& r : retiring_) ctx_.reaper->unwatch(r->pid());
  // Only reached without a shutdown in tests or on a forced exit: never leave
  // a child behind (a cgroup's destructor kills what is in it).
  kill_now();
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
  s.changed = changed();
  if (sockets_) {
    int fd = 3;
    for (const auto& socket : sockets_->sockets()) s.sockets.push_back({socket.address, socket.bound, fd++});
  }
  return s;
}

// ---- requests ----------------------------------------------------------------

void Service::start(StartFn done) { dispatch({EventKind::start, {.start = std::move(done)}}); }
void Service::stop(StopFn done) { dispatch({EventKind::stop, {.stop = std::move(done)}}); }
void Service::shut_down(StopFn done) { dispatch({EventKind::shutdown, {.stop = std::move(done)}}); }
void Service::restart(RestartFn done) {
  // A restart that will spawn anew decides stop-first or overlap by the new
  // definition; one that joins a start in flight leaves it to that spawn.
  if (machine_.state != ServiceState::starting && machine_.state != ServiceState::stopping) adopt_definition();
  dispatch({EventKind::restart, {.restart = std::move(done)}});
}

void Service::kill_now() {
  if (pgid_ > 0) signal_tree(SIGKILL);
  if (predecessor_) predecessor_->kill_now();
  for (const auto& r : retiring_) r->kill_now();
}

void Service::check_group() {
  prune_retiring();
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
  // A restart's new process failed during an overlap: its callers hear that
  // the old one (still there now) serves on.
  const bool start_failure = action == Action::fail_start_not_ready || action == Action::fail_start_exited ||
                             action == Action::fail_start_cannot_spawn;
  if (start_failure && restart_ && predecessor_ &&
      (transition.next.overlapping || transition.actions.contains(Action::reinstate_predecessor))) {
    restart_->old_serves_on = predecessor_->pid();
  }
  switch (action) {
    case Action::add_start_waiter: start_waiters_.push_back(std::move(caller_.start)); return;
    case Action::answer_start_ready: caller_.start({true, pid_, "", ""}); return;
    case Action::refuse_start: caller_.start({false, std::nullopt, kShuttingDown, ""}); return;
    case Action::add_stop_waiter: stop_waiters_.push_back(std::move(caller_.stop)); return;
    case Action::answer_stop: caller_.stop(); return;
    case Action::begin_restart: begin_restart(std::move(caller_.restart), transition.next.overlapping); return;
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
    case Action::set_aside: set_aside(); return;
    case Action::retire_predecessor: retire_predecessor(); return;
    case Action::reinstate_predecessor: reinstate_predecessor(); return;
  }
}

void Service::announce() {
  if (machine_.state == announced_) return;
  spdlog::debug("{}: {} -> {}", config_.name, state_name(announced_), state_name(machine_.state));
  announced_ = machine_.state;
  if (ctx_.on_state_change) ctx_.on_state_change(*this);
}

// ---- callers -------------------------------------------------------------------

void Service::begin_restart(RestartFn done, bool overlapping) {
  restart_ = std::make_shared<Restart>(Restart{monotonic_ms(), pid_ > 0 ? std::optional<int>(pid_) : std::nullopt,
                                               overlapping ? "overlap" : "stop-first", false, std::nullopt,
                                               {std::move(done)}});
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
  if (!outcome.ok && restart.old_serves_on) {
    d.error += "; the old process (pid " + std::to_string(*restart.old_serves_on) + ") serves on";
  }
  d.killed = restart.killed;
  d.output = outcome.output;
  d.mode = restart.mode;
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

// A stop is over when nothing of the service is left, what an overlap
// retired included.
void Service::complete_stop_waiters() {
  auto waiters = std::exchange(stop_waiters_, {});
  if (!retiring_.empty()) {
    for (auto& w : waiters) stop_waiters_after_retiring_.push_back(std::move(w));
    return;
  }
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
