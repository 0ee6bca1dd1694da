// The service lifecycle table, cell by cell, without a process: for each
// state and event (and the conditions a cell looks at), the next machine and
// the actions, in order.
#include "supervisor/service_machine.hpp"

#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

using namespace reship::supervisor;
using namespace std::chrono_literals;
using reship::common::Millis;
using reship::common::RestartPolicy;
using S = ServiceState;
using E = EventKind;
using After = AfterStop;
using enum Action;

namespace {

// The part of a machine a cell is given and sets; exit facts and backoff
// have tests of their own below.
struct Given {
  S state;
  After after_stop = After::policy_after_exit;
  bool main_exited = false;
  bool killed = false;
  bool shutting_down = false;
  bool restarting = false;
  bool overlapping = false;

  Given main_gone() const {
    return with([](Given& g) { g.main_exited = true; });
  }
  Given after_kill() const {
    return with([](Given& g) { g.killed = true; });
  }
  Given shutting() const {
    return with([](Given& g) { g.shutting_down = true; });
  }
  Given mid_restart() const {
    return with([](Given& g) { g.restarting = true; });
  }
  Given overlap() const {
    return with([](Given& g) { g.overlapping = true; });
  }
  template <typename F>
  Given with(F change) const {
    Given g = *this;
    change(g);
    return g;
  }
};

Machine machine_of(const Given& g) {
  Machine m;
  m.state = g.state;
  m.after_stop = g.after_stop;
  m.main_exited = g.main_exited;
  m.killed = g.killed;
  m.shutting_down = g.shutting_down;
  m.restarting = g.restarting;
  m.overlapping = g.overlapping;
  return m;
}

Given given_of(const Machine& m) {
  return {m.state, m.after_stop, m.main_exited, m.killed, m.shutting_down, m.restarting, m.overlapping};
}

bool operator==(const Given& a, const Given& b) {
  return a.state == b.state && a.after_stop == b.after_stop && a.main_exited == b.main_exited && a.killed == b.killed &&
         a.shutting_down == b.shutting_down && a.restarting == b.restarting && a.overlapping == b.overlapping;
}

std::string describe(const Given& g) {
  std::ostringstream out;
  out << state_name(g.state) << " after_stop=" << static_cast<int>(g.after_stop)
      << (g.main_exited ? " main_exited" : "") << (g.killed ? " killed" : "")
      << (g.shutting_down ? " shutting_down" : "") << (g.restarting ? " restarting" : "")
      << (g.overlapping ? " overlapping" : "");
  return out.str();
}

std::string describe(const ActionList& actions) {
  std::string out;
  for (Action a : actions) out += (out.empty() ? "" : ", ") + std::string(action_name(a));
  return "[" + out + "]";
}

const Policy kAlways{RestartPolicy::always};
const Policy kOnFailure{RestartPolicy::on_failure};
const Policy kNever{RestartPolicy::never};
const Policy kOverlap{RestartPolicy::always, true};

// Exits: how it ended, how long it ran, whether its tree is empty.
const Event kQuickCrash{E::main_exited, {false, 5ms, true}};
const Event kLongCrash{E::main_exited, {false, 5s, true}};
const Event kCleanExit{E::main_exited, {true, 5s, true}};
const Event kCrashLeavingTree{E::main_exited, {false, 5s, false}};

struct Row {
  const char* what;
  Given given;
  Event event;
  Policy policy;
  Given next;
  ActionList actions;
  Millis backoff_delay{0};
};

// Every cell of the table. Conditions a cell looks at (shutting down, a
// restart in flight, what the stop leads to, the policy, the exit) have a row
// each.
const std::vector<Row>& rows() {
  // clang-format off
  static const std::vector<Row> table = {
      // ---- starting ----
      {"a start joins the one under way",
       {S::starting}, E::start, kAlways,
       {S::starting}, {add_start_waiter}},
      {"a start is refused while shutting down",
       Given{S::starting}.shutting(), E::start, kAlways,
       Given{S::starting}.shutting(), {refuse_start}},
      {"a stop fails the start and signals the tree",
       {S::starting}, E::stop, kAlways,
       {S::stopping, After::stay_stopped},
       {add_stop_waiter, fail_start_stopped, stop_readiness, announce_state, signal_stop, arm_kill_timer}},
      {"a stop ends a restart in flight",
       Given{S::starting}.mid_restart(), E::stop, kAlways,
       {S::stopping, After::stay_stopped},
       {add_stop_waiter, fail_start_stopped, stop_readiness, announce_state, signal_stop, arm_kill_timer}},
      {"a restart stops it and starts again",
       {S::starting}, E::restart, kAlways,
       Given{S::stopping, After::respawn}.mid_restart(),
       {begin_restart, stop_readiness, announce_state, signal_stop, arm_kill_timer}},
      {"a restart joins the one in flight",
       Given{S::starting}.mid_restart(), E::restart, kAlways,
       Given{S::starting}.mid_restart(), {join_restart}},
      {"a restart is refused while shutting down",
       Given{S::starting}.shutting(), E::restart, kAlways,
       Given{S::starting}.shutting(), {refuse_restart}},
      {"a shutdown fails the start and signals the tree",
       {S::starting}, E::shutdown, kAlways,
       Given{S::stopping, After::stay_stopped}.shutting(),
       {add_stop_waiter, fail_start_shutting_down, stop_readiness, announce_state, signal_stop, arm_kill_timer}},
      {"spawned: announced, readiness watched",
       {S::starting}, E::spawned, kAlways,
       {S::starting}, {announce_state, watch_readiness}},
      {"a failed spawn backs off",
       {S::starting}, E::spawn_failed, kAlways,
       {S::backoff}, {fail_start_cannot_spawn, announce_state, arm_backoff}, 100ms},
      {"a failed spawn ends a restart",
       Given{S::starting}.mid_restart(), E::spawn_failed, kAlways,
       {S::backoff}, {fail_start_cannot_spawn, announce_state, arm_backoff}, 100ms},
      {"a failed spawn under restart = never exits",
       {S::starting}, E::spawn_failed, kNever,
       {S::exited}, {fail_start_cannot_spawn, announce_state}},
      {"a failed spawn while shutting down stops",
       Given{S::starting}.shutting(), E::spawn_failed, kAlways,
       Given{S::stopped}.shutting(), {fail_start_cannot_spawn, announce_state}},
      {"ready: running, the start's callers answered",
       Given{S::starting}.mid_restart(), E::ready, kAlways,
       {S::running}, {stop_readiness, announce_state, complete_start_waiters}},
      {"ready_timeout: the start fails, the tree is stopped",
       Given{S::starting}.mid_restart(), E::ready_timeout, kAlways,
       {S::stopping, After::policy_after_failed_start},
       {fail_start_not_ready, stop_readiness, announce_state, signal_stop, arm_kill_timer}},
      {"an exit before ready fails the start and backs off",
       Given{S::starting}.mid_restart(), kQuickCrash, kAlways,
       {S::backoff}, {stop_readiness, fail_start_exited, forget_tree, announce_state, arm_backoff}, 100ms},
      {"an exit 0 before ready is a failed start too",
       {S::starting}, kCleanExit, kOnFailure,
       {S::backoff}, {stop_readiness, fail_start_exited, forget_tree, announce_state, arm_backoff}, 100ms},
      {"an exit before ready under restart = never exits",
       {S::starting}, kQuickCrash, kNever,
       {S::exited}, {stop_readiness, fail_start_exited, forget_tree, announce_state}},
      {"an exit before ready that leaves a tree stops it",
       {S::starting}, kCrashLeavingTree, kAlways,
       Given{S::stopping, After::policy_after_failed_start}.main_gone(),
       {stop_readiness, fail_start_exited, announce_state, signal_stop, arm_kill_timer}},
      {"starting ignores group_empty",
       {S::starting}, E::group_empty, kAlways,
       {S::starting}, {}},
      {"starting ignores kill_timeout",
       {S::starting}, E::kill_timeout, kAlways,
       {S::starting}, {}},
      {"starting ignores backoff_elapsed",
       {S::starting}, E::backoff_elapsed, kAlways,
       {S::starting}, {}},
      {"starting ignores predecessor_gone without an overlap",
       {S::starting}, E::predecessor_gone, kAlways,
       {S::starting}, {}},

      // ---- starting, during an overlap restart: the old process serves on ----
      {"overlap: ready retires the process set aside",
       Given{S::starting}.mid_restart().overlap(), E::ready, kOverlap,
       {S::running}, {stop_readiness, announce_state, complete_start_waiters, retire_predecessor}},
      {"overlap: a ready_timeout stops the new process, to reinstate the old",
       Given{S::starting}.mid_restart().overlap(), E::ready_timeout, kOverlap,
       Given{S::stopping, After::reinstate}.overlap(),
       {fail_start_not_ready, stop_readiness, announce_state, signal_stop, arm_kill_timer}},
      {"overlap: an exit before ready reinstates the old process",
       Given{S::starting}.mid_restart().overlap(), kQuickCrash, kOverlap,
       {S::running},
       {stop_readiness, fail_start_exited, forget_tree, reinstate_predecessor, announce_state, complete_start_waiters}},
      {"overlap: an exit before ready that leaves a tree stops it first",
       Given{S::starting}.mid_restart().overlap(), kCrashLeavingTree, kOverlap,
       Given{S::stopping, After::reinstate}.main_gone().overlap(),
       {stop_readiness, fail_start_exited, announce_state, signal_stop, arm_kill_timer}},
      {"overlap: a failed spawn reinstates the old process",
       Given{S::starting}.mid_restart().overlap(), E::spawn_failed, kOverlap,
       {S::running}, {fail_start_cannot_spawn, reinstate_predecessor, announce_state}},
      {"overlap: a stop stops both",
       Given{S::starting}.mid_restart().overlap(), E::stop, kOverlap,
       {S::stopping, After::stay_stopped},
       {add_stop_waiter, fail_start_stopped, stop_readiness, retire_predecessor, announce_state, signal_stop,
        arm_kill_timer}},
      {"overlap: a shutdown stops both",
       Given{S::starting}.mid_restart().overlap(), E::shutdown, kOverlap,
       Given{S::stopping, After::stay_stopped}.shutting(),
       {add_stop_waiter, fail_start_shutting_down, stop_readiness, retire_predecessor, announce_state, signal_stop,
        arm_kill_timer}},
      {"overlap: a restart joins the one in flight",
       Given{S::starting}.mid_restart().overlap(), E::restart, kOverlap,
       Given{S::starting}.mid_restart().overlap(), {join_restart}},
      {"overlap: the old process gone, the start goes on alone",
       Given{S::starting}.mid_restart().overlap(), E::predecessor_gone, kOverlap,
       Given{S::starting}.mid_restart(), {}},

      // ---- running ----
      {"overlap: a restart sets the running process aside and starts the new one",
       {S::running}, E::restart, kOverlap,
       Given{S::starting}.mid_restart().overlap(), {begin_restart, set_aside, spawn}},
      {"overlap: a restart is refused while shutting down",
       Given{S::running}.shutting(), E::restart, kOverlap,
       Given{S::running}.shutting(), {refuse_restart}},
      {"running ignores predecessor_gone",
       {S::running}, E::predecessor_gone, kAlways,
       {S::running}, {}},
      {"a start is answered at once",
       {S::running}, E::start, kAlways,
       {S::running}, {answer_start_ready}},
      {"a start is refused while shutting down",
       Given{S::running}.shutting(), E::start, kAlways,
       Given{S::running}.shutting(), {refuse_start}},
      {"a stop signals the tree",
       {S::running}, E::stop, kAlways,
       {S::stopping, After::stay_stopped}, {add_stop_waiter, announce_state, signal_stop, arm_kill_timer}},
      {"a restart stops it and starts again",
       {S::running}, E::restart, kAlways,
       Given{S::stopping, After::respawn}.mid_restart(), {begin_restart, announce_state, signal_stop, arm_kill_timer}},
      {"a restart is refused while shutting down",
       Given{S::running}.shutting(), E::restart, kAlways,
       Given{S::running}.shutting(), {refuse_restart}},
      {"a shutdown signals the tree",
       {S::running}, E::shutdown, kAlways,
       Given{S::stopping, After::stay_stopped}.shutting(),
       {add_stop_waiter, announce_state, signal_stop, arm_kill_timer}},
      {"running ignores spawned",
       {S::running}, E::spawned, kAlways,
       {S::running}, {}},
      {"running ignores spawn_failed",
       {S::running}, E::spawn_failed, kAlways,
       {S::running}, {}},
      {"running ignores a second ready",
       {S::running}, E::ready, kAlways,
       {S::running}, {}},
      {"running ignores ready_timeout",
       {S::running}, E::ready_timeout, kAlways,
       {S::running}, {}},
      {"a crash after a long run starts again at once",
       {S::running}, kLongCrash, kAlways,
       {S::starting}, {forget_tree, spawn}},
      {"a quick crash backs off",
       {S::running}, kQuickCrash, kAlways,
       {S::backoff}, {forget_tree, announce_state, arm_backoff}, 100ms},
      {"a crash under on-failure starts again",
       {S::running}, kLongCrash, kOnFailure,
       {S::starting}, {forget_tree, spawn}},
      {"an exit 0 under on-failure stays exited",
       {S::running}, kCleanExit, kOnFailure,
       {S::exited}, {forget_tree, announce_state}},
      {"an exit 0 under always starts again",
       {S::running}, kCleanExit, kAlways,
       {S::starting}, {forget_tree, spawn}},
      {"a crash under never stays exited",
       {S::running}, kLongCrash, kNever,
       {S::exited}, {forget_tree, announce_state}},
      {"an exit that leaves a tree stops it",
       {S::running}, kCrashLeavingTree, kAlways,
       Given{S::stopping, After::policy_after_exit}.main_gone(), {announce_state, signal_stop, arm_kill_timer}},
      {"running ignores group_empty",
       {S::running}, E::group_empty, kAlways,
       {S::running}, {}},
      {"running ignores kill_timeout",
       {S::running}, E::kill_timeout, kAlways,
       {S::running}, {}},
      {"running ignores backoff_elapsed",
       {S::running}, E::backoff_elapsed, kAlways,
       {S::running}, {}},

      // ---- stopping ----
      {"stopping ignores predecessor_gone without an overlap",
       {S::stopping, After::respawn}, E::predecessor_gone, kAlways,
       {S::stopping, After::respawn}, {}},
      {"overlap: the failed new process's tree empty, the old one is reinstated",
       Given{S::stopping, After::reinstate}.main_gone().overlap(), E::group_empty, kOverlap,
       {S::running}, {forget_tree, reinstate_predecessor, announce_state, complete_start_waiters}},
      {"overlap: the old process gone too, the policy decides",
       Given{S::stopping, After::reinstate}.overlap(), E::predecessor_gone, kOverlap,
       {S::stopping, After::policy_after_failed_start}, {}},
      {"overlap: a start waits for the old process to be reinstated",
       Given{S::stopping, After::reinstate}.overlap(), E::start, kOverlap,
       Given{S::stopping, After::reinstate}.overlap(), {add_start_waiter}},
      {"overlap: a stop stops the old process too",
       Given{S::stopping, After::reinstate}.overlap(), E::stop, kOverlap,
       {S::stopping, After::stay_stopped}, {add_stop_waiter, fail_start_stopped, retire_predecessor}},
      {"overlap: a restart starts another new process beside the old one",
       Given{S::stopping, After::reinstate}.overlap(), E::restart, kOverlap,
       Given{S::stopping, After::respawn}.mid_restart().overlap(), {begin_restart}},
      {"a start respawns once the tree is empty",
       {S::stopping, After::stay_stopped}, E::start, kAlways,
       {S::stopping, After::respawn}, {add_start_waiter}},
      {"a start is refused while shutting down",
       Given{S::stopping, After::stay_stopped}.shutting(), E::start, kAlways,
       Given{S::stopping, After::stay_stopped}.shutting(), {refuse_start}},
      {"a stop calls off a start or restart asked meanwhile",
       Given{S::stopping, After::respawn}.mid_restart(), E::stop, kAlways,
       {S::stopping, After::stay_stopped}, {add_stop_waiter, fail_start_stopped}},
      {"a restart respawns once the tree is empty",
       {S::stopping, After::stay_stopped}, E::restart, kAlways,
       Given{S::stopping, After::respawn}.mid_restart(), {begin_restart}},
      {"a restart joins the one in flight",
       Given{S::stopping, After::respawn}.mid_restart(), E::restart, kAlways,
       Given{S::stopping, After::respawn}.mid_restart(), {join_restart}},
      {"a restart is refused while shutting down",
       Given{S::stopping, After::stay_stopped}.shutting(), E::restart, kAlways,
       Given{S::stopping, After::stay_stopped}.shutting(), {refuse_restart}},
      {"a shutdown calls off a respawn",
       Given{S::stopping, After::respawn}.mid_restart(), E::shutdown, kAlways,
       Given{S::stopping, After::stay_stopped}.shutting(), {add_stop_waiter, fail_start_shutting_down}},
      {"stopping ignores spawned",
       {S::stopping}, E::spawned, kAlways,
       {S::stopping}, {}},
      {"stopping ignores spawn_failed",
       {S::stopping}, E::spawn_failed, kAlways,
       {S::stopping}, {}},
      {"stopping ignores ready",
       {S::stopping}, E::ready, kAlways,
       {S::stopping}, {}},
      {"stopping ignores ready_timeout",
       {S::stopping}, E::ready_timeout, kAlways,
       {S::stopping}, {}},
      {"the main process gone, the rest of the tree is waited for",
       {S::stopping, After::stay_stopped}, kCrashLeavingTree, kAlways,
       Given{S::stopping, After::stay_stopped}.main_gone(), {}},
      {"the main process gone after a SIGKILL ends the stop",
       Given{S::stopping, After::stay_stopped}.after_kill(), kCrashLeavingTree, kAlways,
       {S::stopped}, {forget_tree, announce_state, complete_stop_waiters}},
      {"the tree empty, a stop ends stopped",
       {S::stopping, After::stay_stopped}, kQuickCrash, kAlways,
       {S::stopped}, {forget_tree, announce_state, complete_stop_waiters}},
      {"the tree empty, a respawn starts again",
       Given{S::stopping, After::respawn}.mid_restart(), kQuickCrash, kAlways,
       Given{S::starting}.mid_restart(), {forget_tree, complete_stop_waiters, spawn}},
      {"the tree empty while shutting down, no respawn",
       Given{S::stopping, After::respawn}.shutting(), kQuickCrash, kAlways,
       Given{S::stopped}.shutting(), {forget_tree, announce_state, complete_stop_waiters}},
      {"the tree empty after a ready_timeout backs off",
       {S::stopping, After::policy_after_failed_start}, kCleanExit, kAlways,
       {S::backoff}, {forget_tree, announce_state, arm_backoff}, 100ms},
      {"group_empty before the main process exits is not the end",
       {S::stopping, After::stay_stopped}, E::group_empty, kAlways,
       {S::stopping, After::stay_stopped}, {}},
      {"group_empty ends a stop",
       Given{S::stopping, After::stay_stopped}.main_gone(), E::group_empty, kAlways,
       {S::stopped}, {forget_tree, announce_state, complete_stop_waiters}},
      {"group_empty after an exit applies the policy",
       Given{S::stopping, After::policy_after_exit}.main_gone(), E::group_empty, kAlways,
       {S::backoff}, {forget_tree, announce_state, arm_backoff}, 100ms},
      {"group_empty after an exit, under never",
       Given{S::stopping, After::policy_after_exit}.main_gone(), E::group_empty, kNever,
       {S::exited}, {forget_tree, announce_state}},
      {"kill_timeout kills the tree",
       {S::stopping, After::stay_stopped}, E::kill_timeout, kAlways,
       Given{S::stopping, After::stay_stopped}.after_kill(), {kill_tree}},
      {"kill_timeout with the main process gone ends the stop",
       Given{S::stopping, After::stay_stopped}.main_gone(), E::kill_timeout, kAlways,
       {S::stopped}, {kill_tree, forget_tree, announce_state, complete_stop_waiters}},
      {"kill_timeout with the main process gone, then a respawn",
       Given{S::stopping, After::respawn}.main_gone(), E::kill_timeout, kAlways,
       {S::starting}, {kill_tree, forget_tree, complete_stop_waiters, spawn}},
      {"stopping ignores backoff_elapsed",
       {S::stopping}, E::backoff_elapsed, kAlways,
       {S::stopping}, {}},
  };
  // clang-format on
  return table;
}

// exited, backoff and stopped have no process: they differ in the backoff
// timer and in what a stop makes of them.
const std::vector<Row>& idle_rows() {
  static const std::vector<Row> table = [] {
    std::vector<Row> out;
    for (S state : {S::exited, S::backoff, S::stopped}) {
      const bool backoff = state == S::backoff;
      const S after_stop = backoff ? S::stopped : state;
      const ActionList start =
          backoff ? ActionList{add_start_waiter, cancel_backoff, spawn} : ActionList{add_start_waiter, spawn};
      const ActionList restart =
          backoff ? ActionList{begin_restart, cancel_backoff, spawn} : ActionList{begin_restart, spawn};
      const ActionList stop =
          backoff ? ActionList{cancel_backoff, announce_state, answer_stop} : ActionList{answer_stop};
      out.push_back({"a start spawns, forgetting past failures", {state}, E::start, kAlways, {S::starting}, start});
      out.push_back({"a start is refused while shutting down",
                     Given{state}.shutting(),
                     E::start,
                     kAlways,
                     Given{state}.shutting(),
                     {refuse_start}});
      out.push_back({"a stop is answered at once", {state}, E::stop, kAlways, {after_stop}, stop});
      out.push_back({"a restart spawns", {state}, E::restart, kAlways, Given{S::starting}.mid_restart(), restart});
      out.push_back({"a restart is refused while shutting down",
                     Given{state}.shutting(),
                     E::restart,
                     kAlways,
                     Given{state}.shutting(),
                     {refuse_restart}});
      out.push_back(
          {"a shutdown is answered at once", {state}, E::shutdown, kAlways, Given{after_stop}.shutting(), stop});
      for (E event : {E::spawned, E::spawn_failed, E::ready, E::ready_timeout, E::main_exited, E::group_empty,
                      E::kill_timeout, E::predecessor_gone}) {
        out.push_back({"ignored: no process", {state}, event, kAlways, {state}, {}});
      }
      if (backoff) {
        out.push_back({"backoff_elapsed spawns", {state}, E::backoff_elapsed, kAlways, {S::starting}, {spawn}});
      } else {
        out.push_back({"ignored: no backoff timer", {state}, E::backoff_elapsed, kAlways, {state}, {}});
      }
    }
    return out;
  }();
  return table;
}

std::vector<Row> all_rows() {
  std::vector<Row> out = rows();
  out.insert(out.end(), idle_rows().begin(), idle_rows().end());
  return out;
}

}  // namespace

TEST_CASE("service machine: every cell gives its next state and actions", "[unit]") {
  for (const Row& row : all_rows()) {
    INFO(state_name(row.given.state) << " --" << event_name(row.event.kind) << "--> : " << row.what);
    const Transition t = step(machine_of(row.given), row.event, row.policy);
    INFO("next: " << describe(given_of(t.next)) << ", expected " << describe(row.next));
    CHECK(given_of(t.next) == row.next);
    INFO("actions: " << describe(t.actions) << ", expected " << describe(row.actions));
    CHECK(t.actions == row.actions);
    CHECK(t.backoff_delay == row.backoff_delay);
  }
}

TEST_CASE("service machine: the rows cover every state x event cell", "[unit]") {
  std::set<std::pair<S, E>> covered;
  for (const Row& row : all_rows()) covered.insert({row.given.state, row.event.kind});
  for (size_t s = 0; s < kServiceStates; ++s) {
    for (size_t e = 0; e < kEventKinds; ++e) {
      const auto cell = std::pair{static_cast<S>(s), static_cast<E>(e)};
      INFO(state_name(cell.first) << " x " << event_name(cell.second));
      CHECK(covered.count(cell) == 1);
    }
  }
}

// What the runner relies on, whatever the cell.
TEST_CASE("service machine: every transition keeps the runner's rules", "[unit]") {
  for (const Row& row : all_rows()) {
    INFO(state_name(row.given.state) << " --" << event_name(row.event.kind) << "--> : " << row.what);
    const Machine before = machine_of(row.given);
    const Transition t = step(before, row.event, row.policy);
    const ActionList& a = t.actions;
    // A spawn is the last action (its outcome is the next event) and leads
    // to starting, announced only once spawned.
    if (a.contains(spawn)) {
      CHECK(*(a.end() - 1) == spawn);
      CHECK(t.next.state == S::starting);
      CHECK_FALSE(a.contains(announce_state));
    } else if (t.next.state != before.state || (before.state == S::starting && row.event.kind == E::spawned)) {
      CHECK(a.contains(announce_state));
    } else {
      CHECK_FALSE(a.contains(announce_state));
    }
    CHECK(a.contains(arm_backoff) == (t.next.state == S::backoff && before.state != S::backoff));
    CHECK(a.contains(arm_backoff) == (t.backoff_delay.count() > 0));
    // The request's caller is answered or kept, exactly once.
    int answers = 0;
    for (Action x : a) {
      answers += x == add_start_waiter || x == answer_start_ready || x == refuse_start || x == add_stop_waiter ||
                 x == answer_stop || x == begin_restart || x == join_restart || x == refuse_restart;
    }
    const bool request = row.event.kind == E::start || row.event.kind == E::stop || row.event.kind == E::restart ||
                         row.event.kind == E::shutdown;
    CHECK(answers == (request ? 1 : 0));
    // A restart in flight ends only with the start's callers answered.
    const bool start_answered = a.contains(complete_start_waiters) || a.contains(fail_start_stopped) ||
                                a.contains(fail_start_shutting_down) || a.contains(fail_start_not_ready) ||
                                a.contains(fail_start_cannot_spawn) || a.contains(fail_start_exited);
    if (before.restarting && !t.next.restarting) CHECK(start_answered);
    if (start_answered) CHECK_FALSE(t.next.restarting);
    // A tree forgotten is a stop finished: nothing of it is left.
    if (a.contains(forget_tree)) {
      CHECK(t.next.state != S::stopping);
      CHECK_FALSE(t.next.main_exited);
      CHECK_FALSE(t.next.killed);
      CHECK(t.next.after_stop == After::policy_after_exit);
    }
    if (t.next.state != S::stopping) CHECK(t.next.after_stop == After::policy_after_exit);
    // Nothing starts once the supervisor is shutting down.
    if (before.shutting_down) CHECK_FALSE(a.contains(spawn));
    // An overlap has two processes only while the new one starts (or is
    // stopped after failing); the old one is retired or reinstated once.
    if (t.next.overlapping) CHECK((t.next.state == S::starting || t.next.state == S::stopping));
    if (a.contains(set_aside)) CHECK((!before.overlapping && t.next.overlapping));
    if (a.contains(retire_predecessor) || a.contains(reinstate_predecessor)) {
      CHECK((before.overlapping && !t.next.overlapping));
      CHECK_FALSE((a.contains(retire_predecessor) && a.contains(reinstate_predecessor)));
    }
    if (a.contains(reinstate_predecessor)) CHECK(t.next.state == S::running);
    if (before.overlapping && !t.next.overlapping && row.event.kind != E::predecessor_gone) {
      CHECK((a.contains(retire_predecessor) || a.contains(reinstate_predecessor)));
    }
  }
}

TEST_CASE("service machine: an exit's facts are kept for the policy applied when the tree empties", "[unit]") {
  Machine m;
  m.state = S::running;
  Transition t = step(m, kCrashLeavingTree, kOnFailure);
  REQUIRE(t.next.state == S::stopping);
  CHECK(t.next.ran == 5s);
  CHECK_FALSE(t.next.exit_clean);
  t = step(t.next, E::group_empty, kOnFailure);
  CHECK(t.next.state == S::starting);  // ran 5 s: again at once

  m.state = S::running;
  t = step(m, Event{E::main_exited, {true, 5s, false}}, kOnFailure);
  t = step(t.next, E::group_empty, kOnFailure);
  CHECK(t.next.state == S::exited);  // exit 0 under on-failure
}

TEST_CASE("service machine: a crash loop backs off, doubling, and a start forgets it", "[unit]") {
  Machine m;
  m.state = S::running;
  std::vector<int64_t> delays;
  for (int i = 0; i < 4; ++i) {
    Transition t = step(m, kQuickCrash, kAlways);
    REQUIRE(t.next.state == S::backoff);
    delays.push_back(t.backoff_delay.count());
    t = step(t.next, E::backoff_elapsed, kAlways);
    t = step(t.next, E::spawned, kAlways);
    t = step(t.next, E::ready, kAlways);
    m = t.next;
  }
  CHECK(delays == std::vector<int64_t>{100, 200, 400, 800});
  CHECK(m.backoff.quick_failures() == 4);

  Transition t = step(m, kQuickCrash, kAlways);
  t = step(t.next, E::start, kAlways);
  CHECK(t.next.backoff.quick_failures() == 0);
  CHECK(step(t.next, E::spawn_failed, kAlways).backoff_delay == 100ms);
}

TEST_CASE("service machine: a restart from backoff forgets past failures", "[unit]") {
  Machine m;
  m.state = S::starting;
  Transition t = step(m, E::spawn_failed, kAlways);
  t = step(t.next, E::backoff_elapsed, kAlways);
  t = step(t.next, E::spawn_failed, kAlways);
  REQUIRE(t.backoff_delay == 200ms);
  t = step(t.next, E::restart, kAlways);
  CHECK(t.next.backoff.quick_failures() == 0);
}

TEST_CASE("service machine: a restart's life, from running to running", "[unit]") {
  Machine m;
  m.state = S::running;
  Transition t = step(m, E::restart, kAlways);
  CHECK(t.next.state == S::stopping);
  t = step(t.next, E::restart, kAlways);
  CHECK(t.actions == ActionList{join_restart});
  t = step(t.next, kQuickCrash, kAlways);  // exited from the stop signal, nothing left
  CHECK(t.actions == ActionList{forget_tree, complete_stop_waiters, spawn});
  t = step(t.next, E::spawned, kAlways);
  CHECK(t.next.restarting);
  t = step(t.next, E::ready, kAlways);
  CHECK(t.next.state == S::running);
  CHECK_FALSE(t.next.restarting);
  CHECK(t.actions.contains(complete_start_waiters));
}

TEST_CASE("service machine: an overlap restart, from running to running, the old process stopped last", "[unit]") {
  Machine m;
  m.state = S::running;
  Transition t = step(m, E::restart, kOverlap);
  CHECK(t.actions == ActionList{begin_restart, set_aside, spawn});
  t = step(t.next, E::spawned, kOverlap);
  t = step(t.next, E::ready, kOverlap);
  CHECK(t.next.state == S::running);
  CHECK(t.actions.contains(retire_predecessor));
  // A restart of a service that is not running has nothing to overlap.
  m.state = S::exited;
  CHECK(step(m, E::restart, kOverlap).actions == ActionList{begin_restart, spawn});
}

TEST_CASE("service machine: only a stop whose main process is gone waits for the group", "[unit]") {
  for (size_t s = 0; s < kServiceStates; ++s) {
    Machine m;
    m.state = static_cast<S>(s);
    CHECK_FALSE(waits_for_group(m));
    m.main_exited = true;
    CHECK(waits_for_group(m) == (m.state == S::stopping));
  }
}
