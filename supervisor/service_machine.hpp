#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "common/config/config.hpp"
#include "common/duration.hpp"
#include "supervisor/backoff.hpp"

namespace reship::supervisor {

/// The states of contract 2.1, as `status` and `service.state` name them.
enum class ServiceState : uint8_t { starting, running, stopping, exited, backoff, stopped };
inline constexpr size_t kServiceStates = 6;
const char* state_name(ServiceState state);

/// What can happen to a service: a caller's request, or something its process
/// or one of its timers did.
enum class EventKind : uint8_t {
  start,            ///< a caller wants it running
  stop,             ///< a caller wants it stopped until started again
  restart,          ///< a caller wants it stopped and started again (contract 2.2)
  shutdown,         ///< the supervisor is exiting: stop, and never start again
  spawned,          ///< the spawn just asked for made a process
  spawn_failed,     ///< the spawn just asked for could not (no program, no pipe, unknown user)
  ready,            ///< its readiness check passed (at once for ready = "none")
  ready_timeout,    ///< ready_timeout passed without that
  main_exited,      ///< its main process was reaped
  group_empty,      ///< a reaping pass found nothing left of its tree
  kill_timeout,     ///< stop_timeout passed since the stop signal
  backoff_elapsed,  ///< the wait before the next start is over
  predecessor_gone, ///< the process an overlap restart set aside exited by itself
};
inline constexpr size_t kEventKinds = 13;
const char* event_name(EventKind kind);

/// What the runner saw when the main process exited.
struct ExitFacts {
  bool clean = false;      ///< it exited with code 0
  common::Millis ran{0};   ///< from its spawn to its exit
  bool tree_empty = true;  ///< nothing it started is left, in its process group or cgroup
  bool operator==(const ExitFacts&) const = default;
};

struct Event {
  Event(EventKind k) : kind(k) {}  // NOLINT(google-explicit-constructor): most events are their kind alone
  Event(EventKind k, ExitFacts e) : kind(k), exit(e) {}

  EventKind kind;
  ExitFacts exit;  ///< main_exited only
};

/// What a stop leads to once the service's tree is empty.
enum class AfterStop : uint8_t {
  policy_after_exit,          ///< the main process exited by itself: its restart policy decides
  policy_after_failed_start,  ///< a start failed (exit before ready, ready_timeout): the policy decides, never "clean"
  respawn,                    ///< a start or a restart was asked for meanwhile
  stay_stopped,               ///< a stop was asked for
  reinstate,                  ///< an overlap's new process failed: the one set aside serves on
};

/// Everything the table decides on. Outside `stopping`, after_stop is
/// policy_after_exit and main_exited and killed are false.
struct Machine {
  ServiceState state = ServiceState::stopped;
  AfterStop after_stop = AfterStop::policy_after_exit;
  bool main_exited = false;    ///< stopping: the main process is gone, the rest of its tree perhaps not
  bool killed = false;         ///< stopping: SIGKILL was sent
  bool shutting_down = false;  ///< the supervisor is exiting: it never starts again
  bool restarting = false;     ///< a restart's callers wait for the next start's outcome
  /// An overlap restart set the running process aside: it serves on until
  /// this start is ready (then it is retired) or fails (then it is
  /// reinstated). Only in starting and stopping.
  bool overlapping = false;
  bool exit_clean = false;     ///< how the last main process ended, for the restart policy
  common::Millis ran{0};       ///< how long it ran, for the backoff
  Backoff backoff;
  bool operator==(const Machine&) const = default;
};

/// The service's config as far as the table is concerned.
struct Policy {
  common::RestartPolicy restart = common::RestartPolicy::always;
  /// restart_mode = "overlap": a restart of a running service starts the new
  /// process before it stops the old one.
  bool overlap = false;
};

/// What the runner (Service) does for a transition, in the order listed.
enum class Action : uint8_t {
  add_start_waiter,          ///< keep the caller's start callback for this start's outcome
  answer_start_ready,        ///< answer the caller at once: running, with its pid
  refuse_start,              ///< answer the caller at once: the supervisor is shutting down
  add_stop_waiter,           ///< keep the caller's stop callback until the tree is empty
  answer_stop,               ///< answer the caller at once: stopped
  begin_restart,             ///< note the restart (its start, the old pid) and its caller; the next start ends it
  join_restart,              ///< add the caller to the restart in flight
  refuse_restart,            ///< answer the caller at once: the supervisor is shutting down
  spawn,                     ///< start the process; spawned or spawn_failed is the next event
  watch_readiness,           ///< probe, notify socket, or at once for "none"; and the ready timer
  stop_readiness,            ///< the probe and the ready timer
  signal_stop,               ///< the stop signal (and SIGCONT) to the whole tree
  arm_kill_timer,            ///< kill_timeout after stop_timeout
  kill_tree,                 ///< SIGKILL to the whole tree; a restart in flight says "killed"
  forget_tree,               ///< the tree is empty: no kill timer, no process group any more
  arm_backoff,               ///< backoff_elapsed after the transition's backoff_delay
  cancel_backoff,            ///< the backoff timer
  announce_state,            ///< tell the supervisor (subscribers, systemd) the machine's state
  complete_start_waiters,    ///< the start is ready: answer its callers (and a restart) with the pid
  fail_start_stopped,        ///< the start's callers: "stopped by request"
  fail_start_shutting_down,  ///< the start's callers: "the supervisor is shutting down"
  fail_start_not_ready,      ///< the start's callers: "not ready within ..."
  fail_start_cannot_spawn,   ///< the start's callers: "cannot start: ..."
  fail_start_exited,         ///< the start's callers: "... before it was ready", once its output is in
  complete_stop_waiters,     ///< the stop's callers: stopped (once what was retired is gone too)
  set_aside,                 ///< overlap: the running process becomes the predecessor, still serving
  retire_predecessor,        ///< overlap: the stop signal to the predecessor's tree, SIGKILL after stop_timeout
  reinstate_predecessor,     ///< overlap: the predecessor is the service's process again
};
inline constexpr size_t kActions = 28;
const char* action_name(Action action);

/// A short list of actions, in order.
class ActionList {
 public:
  static constexpr size_t kMax = 8;

  constexpr ActionList() = default;
  constexpr ActionList(std::initializer_list<Action> actions) {
    for (Action a : actions) push(a);
  }
  constexpr void push(Action action) { items_.at(size_++) = action; }
  constexpr const Action* begin() const { return items_.data(); }
  constexpr const Action* end() const { return items_.data() + size_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  bool contains(Action action) const;
  bool operator==(const ActionList& other) const;

 private:
  std::array<Action, kMax> items_{};
  size_t size_ = 0;
};

struct Transition {
  Machine next;
  ActionList actions;
  common::Millis backoff_delay{0};  ///< for arm_backoff
};

/// The service's lifecycle (contract 2.1/2.2) as one state × event table: what
/// `event` does to a service in `machine.state`. Pure: the runner feeds it and
/// carries out the actions. An event that means nothing in a state (a ready
/// after a stop, a timer already stopped) leaves the machine as it is, with no
/// actions.
///
/// While a spawn is under way the machine says `starting` but has not
/// announced it: a spawn that fails goes on to backoff, exited or stopped
/// without the supervisor having seen "starting".
Transition step(const Machine& machine, const Event& event, const Policy& policy);

/// Whether a stop waits for the tree to empty now that its main process is
/// gone: the runner then looks after each reaping pass and feeds group_empty.
bool waits_for_group(const Machine& machine);

}  // namespace reship::supervisor
