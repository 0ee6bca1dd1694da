#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "back/engine/build_slots.hpp"
#include "back/engine/deploy_events.hpp"
#include "back/engine/deploy_queue.hpp"
#include "back/engine/deploy_record.hpp"
#include "back/engine/deploy_run.hpp"
#include "back/engine/idempotency_keys.hpp"
#include "back/engine/record_writer.hpp"
#include "back/engine/refusal.hpp"
#include "back/engine/restarter.hpp"
#include "back/engine/self_restart.hpp"
#include "back/events/event_bus.hpp"
#include "back/locks/deploy_locks.hpp"
#include "back/store/deploy_store.hpp"
#include "back/store/log_store.hpp"
#include "common/config/config.hpp"
#include "common/os/child_reaper.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::back {

/// A deploy as asked for (contract 3.1 body, plus who asks).
struct DeployRequest {
  std::string scope = "platform";
  DeployMode mode = DeployMode::deploy;
  std::string requested_by = "anonymous";
  std::string session_id;
  std::string reason;
  bool cancel_running = false;
  /// "reload": true: both daemons read the config again after the build,
  /// before the restarts (issue 22).
  bool reload = false;
  /// The caller may bounce `edge` (an unrestricted token, or no tokens at all).
  bool unrestricted = false;
  /// Idempotency-Key: a retry with the same key joins the deploy the first
  /// request made (empty: none).
  std::string idempotency_key;
};

/// The deploy engine's front (contract 3.1, 3.2): the one place requests are
/// validated and queued; the runs (DeployRun) do the deploys, one at a time,
/// and SelfRestart the last step of those that restart reship-back itself.
///
/// It is serving, paused (a deploy that restarts reship-back has ended and
/// this instance waits to be restarted: nothing new starts here, it would be
/// killed half-way), or shutting down.
class DeployService {
 public:
  using DoneFn = DeployRun::DoneFn;

  struct Submitted {
    std::string id;
    bool coalesced = false;
    /// What the request asked for that could not be done (a cancelRunning
    /// that did not apply), for the caller's answer.
    std::vector<std::string> warnings;
    /// A retry with a known Idempotency-Key: it joined the deploy its first
    /// request made (which may have ended already).
    bool replayed = false;
  };

  /// What the metrics want of each finished deploy.
  struct Finished {
    const DeployRecord& record;
    std::optional<int64_t> build_ms;
  };

  DeployService(uv_loop_t* loop, const common::Config& config, DeployStore& store, LogStore& logs, EventBus& events,
                Restarter& supervisor, common::ChildReaper& reaper);
  ~DeployService();
  DeployService(const DeployService&) = delete;
  DeployService& operator=(const DeployService&) = delete;

  /// At start-up (recovery.cpp): records left unfinished by a crash become
  /// interrupted (their leftover build processes are killed), pending
  /// self-restarts are completed, deploys left queued run.
  void recover();

  /// Takes a request. `on_done` (may be empty) runs once the deploy is final.
  std::variant<Submitted, Refusal> submit(const DeployRequest& request, DoneFn on_done);
  /// The record as it is now (an active deploy shows its queuePosition).
  std::optional<DeployRecord> get(const std::string& id);
  /// Calls `done` with the final record once the deploy ends, or with the
  /// record as it is at `timeout`. nullopt for an unknown id. Returns a key
  /// for cancel_wait() (0 when `done` already ran).
  uint64_t wait(const std::string& id, common::Millis timeout,
                std::function<void(std::optional<DeployRecord>)> done);
  /// Forgets a wait whose caller went away.
  void cancel_wait(const std::string& id, uint64_t key);
  /// Cancels a queued or building deploy.
  /// `reason` (may be empty) goes with `by` into its errorSummary and its
  /// deploy.cancelled event.
  std::variant<DeployRecord, Refusal> cancel(const std::string& id, const std::string& by,
                                             const std::string& reason = {});
  DeployStore::Page list(const DeployStore::ListQuery& query);
  bool is_active(const std::string& id) const { return runs_.count(id) != 0; }
  /// Whether the database holds the record as it is now.
  bool durable(const std::string& id) const { return records_.durable(id); }

  /// On SIGTERM: the running build is stopped and its deploy ends
  /// interrupted; a queued deploy that never started stays queued (the next
  /// start runs it) and its callers hear so; `done` runs when that is over.
  void shut_down(std::function<void()> done);
  /// After each reaping pass.
  void check_groups();

  /// Runs for every deploy that ends (metrics).
  void on_finished(std::function<void(const Finished&)> fn) { on_finished_ = std::move(fn); }
  /// The seam that says whether the state dir is still the one opened
  /// (StateDirGuard); while it says not, deploys are refused.
  void set_state_check(std::function<std::optional<std::string>()> fn) { state_check_ = std::move(fn); }
  std::optional<std::string> state_problem() const { return state_check_ ? state_check_() : std::nullopt; }
  /// Deploys waiting in the queued slots of every lane.
  size_t queue_depth() const;
  /// A deploy building or restarting now, the oldest (none while paused:
  /// the one that ended holds its lane, so that nothing starts, but runs no
  /// more).
  std::optional<std::string> running_id() const {
    if (state_ == State::paused || slots_.running().empty()) return std::nullopt;
    return slots_.running().front();
  }

  /// One lane as GET /api/v1/lanes shows it: its scopes, the deploy at its
  /// head (running, or waiting for a build slot) and the one queued.
  struct LaneState {
    std::string name;
    std::vector<std::string> scopes;
    std::optional<std::string> head;
    std::optional<std::string> queued;
    /// The head holds a build slot (building or restarting).
    bool running = false;
  };
  std::vector<LaneState> lanes() const;
  size_t max_parallel_builds() const { return slots_.max(); }
  /// The config was reloaded (in place): the build slots and each lane's
  /// covers follow it; running and queued deploys keep what they have.
  void config_changed();
  /// How a deploy with "reload": true reloads this daemon's config.
  void set_reloader(ConfigReloader reloader) { context_.reload_config = std::move(reloader); }
  /// The deploy locks: a locked lane refuses new deploys (Refusal::locked)
  /// and holds its queued ones until the lock ends.
  DeployLocks& locks() { return locks_; }
  const DeployLocks& locks() const { return locks_; }
  /// Scopes a caller may name, for messages ("scopes: all, platform").
  std::string scope_list() const;

 private:
  /// A restart.done for a deploy that had ended: into its record, and its event.
  void late_restart_done(const std::string& id, const ipc::RestartDone& done);
  enum class State { serving, paused, shutting_down };

  /// A request whose Idempotency-Key is known: joins its deploy, or is
  /// refused when the key came with another request.
  std::variant<Submitted, Refusal> replay(const DeployRequest& request, const IdempotencyKeys::Entry& prior,
                                          DoneFn on_done);
  std::shared_ptr<DeployRun> make_run(DeployRecord record, int64_t created_mono);
  DeployRun* find(const std::string& id);
  /// Carries out a request's cancelRunning (the queue decided whether it
  /// applies): the running deploy ends cancelled, superseded by `by_id`.
  /// Returns a warning when it could not apply.
  std::optional<std::string> cancel_running(const DeployRequest& request, const DeployQueue& queue,
                                            const DeployQueue::Decision& decision, const std::string& by_id);
  /// The lane's queue; a lane the config no longer has (a deploy queued
  /// before a restart with another config) gets one of its own.
  DeployQueue& lane_queue(const std::string& lane) {
    return lanes_.try_emplace(lane, DeployQueue(config_.back.covers)).first->second;
  }
  /// A deploy that restarts reship-back itself or edge runs alone.
  bool exclusive(const DeployRecord& record) const;
  /// The run is at the head of its lane: it asks for a build slot, and
  /// whatever may start now starts.
  void begin(DeployRun& run);
  /// Starts the runs the build slots admit (none while not serving).
  void pump();
  /// A lane's lock ended: its deploys that waited for it ask for a slot.
  void lane_unlocked(const std::string& lane);
  /// What an active deploy waits for: the lock of its lane, or a build slot.
  std::optional<std::string> waiting_for(const std::string& id) const;
  void replace_queued(DeployRun& by, const DeployQueue::Decision& decision);
  /// A run is done: out of the queue, its callers answered, the next one
  /// started (or reship-back restarted).
  void on_run_end(DeployRun& run);
  void start_next(const std::string& lane);
  /// Answers the callers of a deploy that never started and will run after
  /// a restart of reship-back (its record stays queued).
  void defer(DeployRun& run);
  void resume(DeployRecord record);
  void request_self_restart(const DeployRecord& record);
  /// Completes the record of a self-restart (in this instance or the next).
  void self_restart_done(const std::string& id, const SelfRestartOutcome& outcome);
  void maybe_shutdown_done();

  uv_loop_t* loop_;
  const common::Config& config_;
  LogStore& logs_;
  RecordWriter records_;
  DeployEvents events_;
  SelfRestart self_restart_;
  DeployContext context_;
  /// One queue per lane ([lanes]; one lane "main" without).
  std::map<std::string, DeployQueue> lanes_;
  BuildSlots slots_;
  IdempotencyKeys keys_;
  DeployLocks locks_;
  /// Heads of locked lanes: they ask for a build slot once the lock ends.
  std::set<std::string> lock_waiting_;
  std::map<std::string, std::shared_ptr<DeployRun>> runs_;
  State state_ = State::serving;
  std::function<void(const Finished&)> on_finished_;
  std::function<std::optional<std::string>()> state_check_;
  std::function<void()> shutdown_done_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace reship::back
