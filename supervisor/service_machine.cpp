// The service lifecycle: the table of every (state, event) cell, the small
// handlers its cells name, and the names of states, events and actions. Over
// 400 lines because a table reads best whole, in one file.

#include "supervisor/service_machine.hpp"

#include <algorithm>

namespace reship::supervisor {

using enum Action;
using common::Millis;

// One line a name.
// clang-format off
const char* state_name(ServiceState state) {
  switch (state) {
    case ServiceState::starting: return "starting";
    case ServiceState::running: return "running";
    case ServiceState::stopping: return "stopping";
    case ServiceState::exited: return "exited";
    case ServiceState::backoff: return "backoff";
    case ServiceState::stopped: return "stopped";
  }
  return "?";
}

const char* event_name(EventKind kind) {
  switch (kind) {
    case EventKind::start: return "start";
    case EventKind::stop: return "stop";
    case EventKind::restart: return "restart";
    case EventKind::shutdown: return "shutdown";
    case EventKind::spawned: return "spawned";
    case EventKind::spawn_failed: return "spawn_failed";
    case EventKind::ready: return "ready";
    case EventKind::ready_timeout: return "ready_timeout";
    case EventKind::main_exited: return "main_exited";
    case EventKind::group_empty: return "group_empty";
    case EventKind::kill_timeout: return "kill_timeout";
    case EventKind::backoff_elapsed: return "backoff_elapsed";
    case EventKind::predecessor_gone: return "predecessor_gone";
  }
  return "?";
}

const char* action_name(Action action) {
  switch (action) {
    case add_start_waiter: return "add_start_waiter";
    case answer_start_ready: return "answer_start_ready";
    case refuse_start: return "refuse_start";
    case add_stop_waiter: return "add_stop_waiter";
    case answer_stop: return "answer_stop";
    case begin_restart: return "begin_restart";
    case join_restart: return "join_restart";
    case refuse_restart: return "refuse_restart";
    case spawn: return "spawn";
    case watch_readiness: return "watch_readiness";
    case stop_readiness: return "stop_readiness";
    case signal_stop: return "signal_stop";
    case arm_kill_timer: return "arm_kill_timer";
    case kill_tree: return "kill_tree";
    case forget_tree: return "forget_tree";
    case arm_backoff: return "arm_backoff";
    case cancel_backoff: return "cancel_backoff";
    case announce_state: return "announce_state";
    case complete_start_waiters: return "complete_start_waiters";
    case fail_start_stopped: return "fail_start_stopped";
    case fail_start_shutting_down: return "fail_start_shutting_down";
    case fail_start_not_ready: return "fail_start_not_ready";
    case fail_start_cannot_spawn: return "fail_start_cannot_spawn";
    case fail_start_exited: return "fail_start_exited";
    case complete_stop_waiters: return "complete_stop_waiters";
    case set_aside: return "set_aside";
    case retire_predecessor: return "retire_predecessor";
    case reinstate_predecessor: return "reinstate_predecessor";
  }
  return "?";
}
// clang-format on

bool ActionList::contains(Action action) const {
  return std::find(begin(), end(), action) != end();
}

bool ActionList::operator==(const ActionList& other) const {
  return std::equal(begin(), end(), other.begin(), other.end());
}

bool waits_for_group(const Machine& machine) {
  return machine.state == ServiceState::stopping && machine.main_exited;
}

namespace {

// ---- the ends of things: a start scheduled, a stop finished -----------------

// Starts now or after `delay`. A start now is announced once spawned.
Transition start_after(Machine next, Millis delay, ActionList actions) {
  if (delay.count() == 0) {
    next.state = ServiceState::starting;
    actions.push(spawn);
    return {next, actions};
  }
  next.state = ServiceState::backoff;
  actions.push(announce_state);
  actions.push(arm_backoff);
  return {next, actions, delay};
}

// The restart policy (contract 1): again or exited, and after how long.
Transition apply_policy(Machine next, const Policy& policy, bool failed_start, ActionList actions) {
  const bool clean = next.exit_clean && !failed_start;
  const bool again = policy.restart == common::RestartPolicy::always ||
                     (policy.restart == common::RestartPolicy::on_failure && !clean);
  if (!again) {
    next.state = ServiceState::exited;
    actions.push(announce_state);
    return {next, actions};
  }
  return start_after(next, failed_start ? next.backoff.after_failed_start() : next.backoff.after_exit(next.ran),
                     actions);
}

// The one place a stop ends: the tree is empty (or its main process is gone
// after a SIGKILL; leftovers that are not our children would never be
// reported).
Transition finish_stop(Machine next, const Policy& policy, ActionList actions) {
  const AfterStop after = next.after_stop;
  next.after_stop = AfterStop::policy_after_exit;
  next.main_exited = false;
  next.killed = false;
  actions.push(forget_tree);
  if (next.shutting_down || after == AfterStop::stay_stopped) {
    next.state = ServiceState::stopped;
    actions.push(announce_state);
    actions.push(complete_stop_waiters);
    return {next, actions};
  }
  if (after == AfterStop::reinstate && next.overlapping) {
    // The new process failed before it was ready; the old one never stopped.
    next.overlapping = false;
    next.state = ServiceState::running;
    actions.push(reinstate_predecessor);
    actions.push(announce_state);
    actions.push(complete_start_waiters);
    return {next, actions};
  }
  if (after == AfterStop::respawn) {
    // A stop asked before a start or restart overrode it did happen: its
    // callers hear so before the service starts again.
    actions.push(complete_stop_waiters);
    next.state = ServiceState::starting;
    actions.push(spawn);
    return {next, actions};
  }
  const bool failed_start = after == AfterStop::policy_after_failed_start || after == AfterStop::reinstate;
  return apply_policy(next, policy, failed_start, actions);
}

// What a start that fails before it is ready leads to: the policy, or back
// to the process an overlap set aside.
AfterStop after_failed_start(const Machine& m) {
  return m.overlapping ? AfterStop::reinstate : AfterStop::policy_after_failed_start;
}

// A stop or shutdown during an overlap stops the process set aside as well.
void retire_on_stop(Machine& next, ActionList& actions) {
  if (!next.overlapping) return;
  next.overlapping = false;
  actions.push(retire_predecessor);
}

// The one place stopping is entered: from starting or running, by a request,
// a ready_timeout or an exit that left something behind.
Transition enter_stopping(Machine next, AfterStop after, bool main_exited, ActionList actions) {
  next.state = ServiceState::stopping;
  next.after_stop = after;
  next.main_exited = main_exited;
  next.killed = false;
  actions.push(announce_state);
  actions.push(signal_stop);
  actions.push(arm_kill_timer);
  return {next, actions};
}

// After an exit from starting or running: the tree may still hold what the
// process started (in its group, or daemonized in its cgroup). That is
// stopped as a stop would, so that the next start finds its port free and no
// copy piles up.
Transition after_exit(Machine next, const Event& event, const Policy& policy, AfterStop after, ActionList actions) {
  next.exit_clean = event.exit.clean;
  next.ran = event.exit.ran;
  if (!event.exit.tree_empty) return enter_stopping(next, after, true, actions);
  next.after_stop = after;
  return finish_stop(next, policy, actions);
}

// ---- the cells ---------------------------------------------------------------

using Handler = Transition (*)(const Machine&, const Event&, const Policy&);

Transition ignore(const Machine& m, const Event&, const Policy&) {
  return {m, {}};
}

// start

Transition join_start(const Machine& m, const Event&, const Policy&) {
  if (m.shutting_down) return {m, {refuse_start}};
  return {m, {add_start_waiter}};
}

Transition answer_running(const Machine& m, const Event&, const Policy&) {
  if (m.shutting_down) return {m, {refuse_start}};
  return {m, {answer_start_ready}};
}

// After a failed overlap the process set aside serves on: it answers.
Transition start_after_stop(const Machine& m, const Event&, const Policy&) {
  if (m.shutting_down) return {m, {refuse_start}};
  Machine next = m;
  if (m.after_stop != AfterStop::reinstate) next.after_stop = AfterStop::respawn;
  return {next, {add_start_waiter}};
}

// An explicit start forgets past failures.
Transition start_now(const Machine& m, const Event&, const Policy&) {
  if (m.shutting_down) return {m, {refuse_start}};
  Machine next = m;
  next.backoff.reset();
  next.state = ServiceState::starting;
  ActionList actions{add_start_waiter};
  if (m.state == ServiceState::backoff) actions.push(cancel_backoff);
  actions.push(spawn);
  return {next, actions};
}

// stop (and shutdown, which is a stop with shutting_down set)

Action fail_start_for_stop(const Machine& m) {
  return m.shutting_down ? fail_start_shutting_down : fail_start_stopped;
}

Transition stop_starting(const Machine& m, const Event&, const Policy&) {
  Machine next = m;
  next.restarting = false;
  ActionList actions{add_stop_waiter, fail_start_for_stop(m), stop_readiness};
  retire_on_stop(next, actions);
  return enter_stopping(next, AfterStop::stay_stopped, false, actions);
}

Transition stop_running(const Machine& m, const Event&, const Policy&) {
  return enter_stopping(m, AfterStop::stay_stopped, false, {add_stop_waiter});
}

// A start or restart asked during this stop is called off.
Transition stop_again(const Machine& m, const Event&, const Policy&) {
  Machine next = m;
  next.after_stop = AfterStop::stay_stopped;
  next.restarting = false;
  ActionList actions{add_stop_waiter, fail_start_for_stop(m)};
  retire_on_stop(next, actions);
  return {next, actions};
}

Transition answer_stopped(const Machine& m, const Event&, const Policy&) {
  return {m, {answer_stop}};
}

Transition stop_backoff(const Machine& m, const Event&, const Policy&) {
  Machine next = m;
  next.state = ServiceState::stopped;
  return {next, {cancel_backoff, announce_state, answer_stop}};
}

template <Handler stop>
Transition shut_down(const Machine& m, const Event& event, const Policy& policy) {
  Machine next = m;
  next.shutting_down = true;
  return stop(next, event, policy);
}

// restart: refused while shutting down, joined while one is in flight;
// otherwise a stop with a respawn, or a start. It forgets past failures.

// restart_mode = "overlap": the running process keeps serving while the new
// one starts.
Transition restart_overlapping(const Machine& m) {
  Machine next = m;
  next.restarting = true;
  next.overlapping = true;
  next.backoff.reset();
  next.state = ServiceState::starting;
  return {next, {begin_restart, set_aside, spawn}};
}

Transition restart_starting_or_running(const Machine& m, const Event&, const Policy& policy) {
  if (m.shutting_down) return {m, {refuse_restart}};
  if (m.restarting) return {m, {join_restart}};
  if (policy.overlap && m.state == ServiceState::running) return restart_overlapping(m);
  Machine next = m;
  next.restarting = true;
  next.backoff.reset();
  ActionList actions{begin_restart};
  if (m.state == ServiceState::starting) actions.push(stop_readiness);
  return enter_stopping(next, AfterStop::respawn, false, actions);
}

Transition restart_after_stop(const Machine& m, const Event&, const Policy&) {
  if (m.shutting_down) return {m, {refuse_restart}};
  if (m.restarting) return {m, {join_restart}};
  Machine next = m;
  next.restarting = true;
  next.backoff.reset();
  next.after_stop = AfterStop::respawn;
  return {next, {begin_restart}};
}

Transition restart_now(const Machine& m, const Event&, const Policy&) {
  if (m.shutting_down) return {m, {refuse_restart}};
  if (m.restarting) return {m, {join_restart}};
  Machine next = m;
  next.restarting = true;
  next.backoff.reset();
  next.state = ServiceState::starting;
  ActionList actions{begin_restart};
  if (m.state == ServiceState::backoff) actions.push(cancel_backoff);
  actions.push(spawn);
  return {next, actions};
}

// the spawn's outcome

Transition spawned_process(const Machine& m, const Event&, const Policy&) {
  return {m, {announce_state, watch_readiness}};
}

Transition cannot_start(const Machine& m, const Event&, const Policy& policy) {
  Machine next = m;
  next.restarting = false;
  ActionList actions{fail_start_cannot_spawn};
  if (m.overlapping) {
    next.overlapping = false;
    next.state = ServiceState::running;
    actions.push(reinstate_predecessor);
    actions.push(announce_state);
    return {next, actions};
  }
  if (m.shutting_down || policy.restart == common::RestartPolicy::never) {
    next.state = m.shutting_down ? ServiceState::stopped : ServiceState::exited;
    actions.push(announce_state);
    return {next, actions};
  }
  return start_after(next, next.backoff.after_failed_start(), actions);
}

// readiness

Transition become_ready(const Machine& m, const Event&, const Policy&) {
  Machine next = m;
  next.state = ServiceState::running;
  next.restarting = false;
  ActionList actions{stop_readiness, announce_state, complete_start_waiters};
  if (m.overlapping) {
    next.overlapping = false;
    actions.push(retire_predecessor);
  }
  return {next, actions};
}

// The error names the probe's last failure: said before the probe goes.
Transition not_ready(const Machine& m, const Event&, const Policy&) {
  Machine next = m;
  next.restarting = false;
  return enter_stopping(next, after_failed_start(m), false, {fail_start_not_ready, stop_readiness});
}

// exits

// Its callers hear of the failure with the rest of its output, which may
// still be in the pipe.
Transition exited_before_ready(const Machine& m, const Event& event, const Policy& policy) {
  Machine next = m;
  next.restarting = false;
  return after_exit(next, event, policy, after_failed_start(m), {stop_readiness, fail_start_exited});
}

Transition exited_while_running(const Machine& m, const Event& event, const Policy& policy) {
  return after_exit(m, event, policy, AfterStop::policy_after_exit, {});
}

Transition exited_while_stopping(const Machine& m, const Event& event, const Policy& policy) {
  Machine next = m;
  next.main_exited = true;
  next.exit_clean = event.exit.clean;
  next.ran = event.exit.ran;
  if (event.exit.tree_empty || m.killed) return finish_stop(next, policy, {});
  return {next, {}};
}

Transition tree_gone(const Machine& m, const Event&, const Policy& policy) {
  if (!m.main_exited) return {m, {}};
  return finish_stop(m, policy, {});
}

// timers

Transition kill_after_timeout(const Machine& m, const Event&, const Policy& policy) {
  Machine next = m;
  next.killed = true;
  if (m.main_exited) return finish_stop(next, policy, {kill_tree});
  return {next, {kill_tree}};
}

// The runner has seen to its tree; there is nothing left to reinstate.
Transition predecessor_exited(const Machine& m, const Event&, const Policy&) {
  if (!m.overlapping) return {m, {}};
  Machine next = m;
  next.overlapping = false;
  if (next.after_stop == AfterStop::reinstate) next.after_stop = AfterStop::policy_after_failed_start;
  return {next, {}};
}

Transition start_after_backoff(const Machine& m, const Event&, const Policy&) {
  Machine next = m;
  next.state = ServiceState::starting;
  return {next, {spawn}};
}

// ---- the table: kTable[state][event] -------------------------------------------

// clang-format off
constexpr Handler kTable[kServiceStates][kEventKinds] = {
  // starting: a start is under way, not ready yet
  {
    /* start            */ join_start,
    /* stop             */ stop_starting,
    /* restart          */ restart_starting_or_running,
    /* shutdown         */ shut_down<stop_starting>,
    /* spawned          */ spawned_process,
    /* spawn_failed     */ cannot_start,
    /* ready            */ become_ready,
    /* ready_timeout    */ not_ready,
    /* main_exited      */ exited_before_ready,
    /* group_empty      */ ignore,
    /* kill_timeout     */ ignore,
    /* backoff_elapsed  */ ignore,
    /* predecessor_gone */ predecessor_exited,
  },
  // running: started and ready
  {
    /* start            */ answer_running,
    /* stop             */ stop_running,
    /* restart          */ restart_starting_or_running,
    /* shutdown         */ shut_down<stop_running>,
    /* spawned          */ ignore,
    /* spawn_failed     */ ignore,
    /* ready            */ ignore,
    /* ready_timeout    */ ignore,
    /* main_exited      */ exited_while_running,
    /* group_empty      */ ignore,
    /* kill_timeout     */ ignore,
    /* backoff_elapsed  */ ignore,
    /* predecessor_gone */ predecessor_exited,
  },
  // stopping: the stop signal sent, waiting for the tree to empty
  {
    /* start            */ start_after_stop,
    /* stop             */ stop_again,
    /* restart          */ restart_after_stop,
    /* shutdown         */ shut_down<stop_again>,
    /* spawned          */ ignore,
    /* spawn_failed     */ ignore,
    /* ready            */ ignore,
    /* ready_timeout    */ ignore,
    /* main_exited      */ exited_while_stopping,
    /* group_empty      */ tree_gone,
    /* kill_timeout     */ kill_after_timeout,
    /* backoff_elapsed  */ ignore,
    /* predecessor_gone */ predecessor_exited,
  },
  // exited: ended and its restart policy says not again
  {
    /* start            */ start_now,
    /* stop             */ answer_stopped,
    /* restart          */ restart_now,
    /* shutdown         */ shut_down<answer_stopped>,
    /* spawned          */ ignore,
    /* spawn_failed     */ ignore,
    /* ready            */ ignore,
    /* ready_timeout    */ ignore,
    /* main_exited      */ ignore,
    /* group_empty      */ ignore,
    /* kill_timeout     */ ignore,
    /* backoff_elapsed  */ ignore,
    /* predecessor_gone */ predecessor_exited,
  },
  // backoff: waiting before the next start
  {
    /* start            */ start_now,
    /* stop             */ stop_backoff,
    /* restart          */ restart_now,
    /* shutdown         */ shut_down<stop_backoff>,
    /* spawned          */ ignore,
    /* spawn_failed     */ ignore,
    /* ready            */ ignore,
    /* ready_timeout    */ ignore,
    /* main_exited      */ ignore,
    /* group_empty      */ ignore,
    /* kill_timeout     */ ignore,
    /* backoff_elapsed  */ start_after_backoff,
    /* predecessor_gone */ predecessor_exited,
  },
  // stopped: stopped by request (or never started)
  {
    /* start            */ start_now,
    /* stop             */ answer_stopped,
    /* restart          */ restart_now,
    /* shutdown         */ shut_down<answer_stopped>,
    /* spawned          */ ignore,
    /* spawn_failed     */ ignore,
    /* ready            */ ignore,
    /* ready_timeout    */ ignore,
    /* main_exited      */ ignore,
    /* group_empty      */ ignore,
    /* kill_timeout     */ ignore,
    /* backoff_elapsed  */ ignore,
    /* predecessor_gone */ predecessor_exited,
  },
};
// clang-format on

}  // namespace

Transition step(const Machine& machine, const Event& event, const Policy& policy) {
  return kTable[static_cast<size_t>(machine.state)][static_cast<size_t>(event.kind)](machine, event, policy);
}

}  // namespace reship::supervisor
