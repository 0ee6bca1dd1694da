#include "back/engine/deploy_service.hpp"

#include <unistd.h>

#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "common/time.hpp"

namespace reship::back {

DeployService::DeployService(uv_loop_t* loop, const common::Config& config, DeployStore& store, LogStore& logs,
                             EventBus& events, Restarter& supervisor, common::ChildReaper& reaper)
    : loop_(loop),
      config_(config),
      logs_(logs),
      records_(loop, store),
      events_(events),
      self_restart_(loop, config, supervisor),
      context_{loop, config, records_, logs, events_, supervisor, reaper, self_restart_},
      slots_(config.back.max_parallel_builds != 0 ? config.back.max_parallel_builds
                                                   : std::max<size_t>(1, config.lanes.size())),
      keys_(store),
      locks_(loop, store) {
  if (config.lanes.empty()) {
    lanes_.emplace(std::string(common::kDefaultLane), DeployQueue(config.back.covers));
  } else {
    for (const auto& [name, scopes] : config.lanes) lanes_.emplace(name, DeployQueue(config.back.covers));
  }
  locks_.on_released([this](const std::string& lane) { lane_unlocked(lane); });
  std::weak_ptr<bool> alive = alive_;
  context_.late_restart_done = [this, alive](const std::string& id, const ipc::RestartDone& done) {
    if (!alive.expired()) late_restart_done(id, done);
  };
}

void DeployService::late_restart_done(const std::string& id, const ipc::RestartDone& done) {
  auto record = records_.lookup(id);
  if (!record) return;
  const RestartEntry entry = restart_entry(done);
  record->restarts.push_back(entry);
  records_.save(*record);
  spdlog::warn("deploy {}: the supervisor restarted {} after all ({}), after the deploy had ended", id, done.service,
               done.ok ? "ok" : done.error);
  events_.restart_done(id, entry);
}

DeployService::~DeployService() = default;

void DeployService::config_changed() {
  slots_.set_max(config_.back.max_parallel_builds != 0 ? config_.back.max_parallel_builds
                                                       : std::max<size_t>(1, config_.lanes.size()));
  for (auto& [name, queue] : lanes_) queue.set_covers(config_.back.covers);
  pump();
}

std::string DeployService::scope_list() const {
  std::vector<std::string> names;
  for (const auto& [name, members] : config_.scopes) names.push_back(name);
  return names.empty() ? "none configured" : fmt::format("{}", fmt::join(names, ", "));
}

std::vector<std::string> scope_targets(const common::Config& config, std::string_view scope, bool with_edge) {
  std::vector<std::string> targets;
  if (const auto* members = config.find_scope(scope)) {
    for (const auto& m : *members) {
      if (m == common::kEdge && !with_edge) continue;
      targets.push_back(m);
    }
  }
  return targets;
}

std::shared_ptr<DeployRun> DeployService::make_run(DeployRecord record, int64_t created_mono) {
  std::weak_ptr<bool> alive = alive_;
  auto run = std::make_shared<DeployRun>(context_, std::move(record), created_mono, [this, alive](DeployRun& r) {
    if (!alive.expired()) on_run_end(r);
  });
  runs_.emplace(run->id(), run);
  return run;
}

DeployRun* DeployService::find(const std::string& id) {
  auto it = runs_.find(id);
  return it == runs_.end() ? nullptr : it->second.get();
}

// ---- requests -------------------------------------------------------------------

std::variant<DeployService::Submitted, Refusal> DeployService::submit(const DeployRequest& request, DoneFn on_done) {
  if (state_ == State::shutting_down) {
    return Refusal{Refusal::Reason::shutting_down, "reship-back is shutting down; try again in a moment"};
  }
  if (config_.find_scope(request.scope) == nullptr) {
    return Refusal{Refusal::Reason::unknown_scope, "unknown scope \"" + request.scope + "\"; scopes: " + scope_list()};
  }
  if (auto problem = state_problem()) return Refusal{Refusal::Reason::storage_error, *problem};
  const bool keyed = !request.idempotency_key.empty();
  if (keyed) {
    if (const auto* prior = keys_.find(request.requested_by, request.idempotency_key, common::unix_ms())) {
      auto replayed = replay(request, *prior, on_done);
      if (replayed.index() == 0 || std::get<Refusal>(replayed).reason != Refusal::Reason::not_found) return replayed;
      // Its deploy is no longer on record (pruned): the key starts anew.
    }
  }
  // After a retry's replay: a retry joins the deploy it made before the lock.
  if (const DeployLock* lock = locks_.held(config_.lane_of(request.scope))) {
    return Refusal{Refusal::Reason::locked,
                   describe_lock(*lock) + "; deploys are refused until then: wait, or have " + lock->holder +
                       " run `reship unlock` (an unrestricted token may break the lock)",
                   {}, *lock};
  }
  DeployRecord r;
  r.created_at = common::unix_ms();
  const int64_t created_mono = common::monotonic_ms();
  do {
    r.id = new_deploy_id(r.created_at);
  } while (runs_.count(r.id) != 0);
  r.status = DeployStatus::queued;
  r.scope = request.scope;
  r.mode = request.mode;
  r.targets = scope_targets(config_, request.scope, request.unrestricted);
  r.requested_by = request.requested_by;
  r.session_id = request.session_id;
  r.reason = request.reason;
  r.reload = request.reload;
  r.lane = config_.lane_of(r.scope);

  // The queue rules hold within the lane only: a request never joins,
  // replaces or cancels a deploy of another lane.
  DeployQueue& queue = lane_queue(r.lane);
  const QueueEntry entry{r.id, r.scope, r.mode, r.targets, r.reload};
  const auto decision = queue.decide(entry, request.cancel_running);
  if (decision.action == DeployQueue::Decision::Action::coalesce) {
    DeployRun* joined = find(decision.joined_id);
    joined->add_waiter(std::move(on_done), true);
    joined->count_joined(1);
    spdlog::info("deploy {}: a request from {} joined it", joined->id(), request.requested_by);
    Submitted submitted{joined->id(), true, {}};
    if (keyed) {
      keys_.remember(request.requested_by, request.idempotency_key, IdempotencyKeys::fingerprint(request),
                     submitted.id, common::unix_ms());
    }
    if (auto warning = cancel_running(request, queue, decision, submitted.id)) submitted.warnings.push_back(*warning);
    return submitted;
  }

  // Recorded before the queue changes: a deploy that cannot be written
  // leaves the queue as it was.
  r.queue_position = decision.action == DeployQueue::Decision::Action::start ? 0 : 1;
  auto inserted = records_.insert(r);
  if (!inserted && records_.lookup(r.id)) {
    // Two deploys in one second drew the same random suffix: draw again.
    r.id = new_deploy_id(r.created_at);
    inserted = records_.insert(r);
  }
  if (!inserted) {
    spdlog::error("{}", inserted.error().message);
    return Refusal{Refusal::Reason::storage_error, inserted.error().message};
  }
  queue.apply(decision, QueueEntry{r.id, r.scope, r.mode, r.targets, r.reload});
  spdlog::info("deploy {}: {} of scope {} requested by {}", r.id, mode_name(r.mode), r.scope, r.requested_by);
  events_.queued(r);
  if (keyed) {
    keys_.remember(request.requested_by, request.idempotency_key, IdempotencyKeys::fingerprint(request), r.id,
                   common::unix_ms());
  }
  auto run = make_run(std::move(r), created_mono);
  run->add_waiter(std::move(on_done), false);
  if (decision.replaced_id) replace_queued(*run, decision);
  Submitted submitted{run->id(), false, {}};
  if (auto warning = cancel_running(request, queue, decision, submitted.id)) submitted.warnings.push_back(*warning);
  if (decision.action == DeployQueue::Decision::Action::start) begin(*run);
  return submitted;
}

std::variant<DeployService::Submitted, Refusal> DeployService::replay(const DeployRequest& request,
                                                                      const IdempotencyKeys::Entry& prior,
                                                                      DoneFn on_done) {
  if (prior.fingerprint != IdempotencyKeys::fingerprint(request)) {
    return Refusal{Refusal::Reason::idempotency_conflict,
                   "Idempotency-Key \"" + request.idempotency_key + "\" was first sent with another request (deploy " +
                       prior.deploy_id + "); a new request needs a new key",
                   prior.deploy_id};
  }
  Submitted submitted{prior.deploy_id, false, {}, true};
  if (DeployRun* run = find(prior.deploy_id)) {
    run->add_waiter(std::move(on_done), false);
    spdlog::info("deploy {}: a retry from {} joined it (Idempotency-Key)", run->id(), request.requested_by);
    return submitted;
  }
  auto record = records_.lookup(prior.deploy_id);
  if (!record) return Refusal{Refusal::Reason::not_found, "no deploy " + prior.deploy_id};
  if (on_done) on_done(*record, false);
  return submitted;
}

void DeployService::replace_queued(DeployRun& by, const DeployQueue::Decision& decision) {
  auto it = runs_.find(*decision.replaced_id);
  if (it == runs_.end()) return;
  auto old = it->second;  // kept alive through its end
  old->set_superseded_by(by.id());
  const DeployRecord& r = by.record();
  if (decision.waiters_move) {
    by.take_callers_from(*old);
    keys_.repoint(old->id(), by.id());
    old->end(DeployStatus::cancelled,
             "superseded by deploy " + r.id + ", which covers it; its callers wait for that deploy");
  } else {
    old->end(DeployStatus::cancelled, "superseded by deploy " + r.id + " (" + mode_name(r.mode) + " of scope " +
                                          r.scope + "), which took the queued slot");
  }
}

std::optional<std::string> DeployService::cancel_running(const DeployRequest& request, const DeployQueue& queue,
                                                         const DeployQueue::Decision& decision,
                                                         const std::string& by_id) {
  if (!request.cancel_running) return std::nullopt;
  const auto& running = queue.running();
  if (!decision.cancel_running_id) {
    if (!running || running->id == by_id) return "cancelRunning: no other deploy was running";
    return "cancelRunning: the running deploy " + running->id + " (" + mode_name(running->mode) + " of scope " +
           running->scope + ") does not do everything this request asks, so it was not cancelled";
  }
  auto it = runs_.find(*decision.cancel_running_id);
  if (it == runs_.end()) return std::nullopt;
  auto target = it->second;
  // Said in its record as for a replaced queued deploy (set before the
  // cancel, which may end it at once).
  const auto previous = target->record().superseded_by;
  target->set_superseded_by(by_id);
  if (auto refused = target->cancel("cancelled by deploy " + by_id + " (cancelRunning)")) {
    target->set_superseded_by(previous);
    return "cancelRunning: " + refused->message;
  }
  return std::nullopt;
}

std::optional<DeployRecord> DeployService::get(const std::string& id) {
  if (DeployRun* run = find(id)) {
    DeployRecord r = run->snapshot();
    r.queue_position = lane_queue(r.lane).position(id);
    r.waiting_for = waiting_for(id);
    return r;
  }
  return records_.lookup(id);
}

uint64_t DeployService::wait(const std::string& id, common::Millis timeout,
                             std::function<void(std::optional<DeployRecord>)> done) {
  DeployRun* run = find(id);
  if (run == nullptr) {
    done(get(id));
    return 0;
  }
  return run->watch(timeout, [this, id, done = std::move(done)](std::optional<DeployRecord> record) {
    // At the timeout the run is still active: as get() would show it.
    done(is_active(id) ? get(id) : std::move(record));
  });
}

void DeployService::cancel_wait(const std::string& id, uint64_t key) {
  if (DeployRun* run = find(id)) run->unwatch(key);
}

DeployStore::Page DeployService::list(const DeployStore::ListQuery& query) {
  auto page = records_.list(query);
  for (auto& r : page.deploys) {
    if (DeployRun* run = find(r.id)) {
      const int64_t seq = r.seq;
      r = run->snapshot();
      r.seq = seq;
      r.queue_position = lane_queue(r.lane).position(r.id);
      r.waiting_for = waiting_for(r.id);
    }
  }
  return page;
}

std::variant<DeployRecord, Refusal> DeployService::cancel(const std::string& id, const std::string& by,
                                                         const std::string& reason) {
  auto it = runs_.find(id);
  if (it == runs_.end()) {
    auto record = records_.lookup(id);
    if (!record) return Refusal{Refusal::Reason::not_found, "no deploy " + id};
    return Refusal{Refusal::Reason::already_finished,
                   "deploy " + id + " already ended: " + std::string(status_name(record->status)), id};
  }
  auto run = it->second;  // may end (and leave runs_) inside cancel()
  if (auto refused = run->cancel("cancelled by " + by + (reason.empty() ? "" : ": " + reason))) return *refused;
  DeployRecord r = run->snapshot();
  r.queue_position = lane_queue(r.lane).position(id);
  return r;
}

// ---- the end of a run ------------------------------------------------------------

void DeployService::on_run_end(DeployRun& run) {
  const DeployRecord& r = run.record();
  if (on_finished_) on_finished_(Finished{r, run.build_ms()});
  // Out of the queue and of the active runs before answering: the answers
  // may submit anew. (The caller of on_end keeps the run alive.)
  DeployQueue& queue = lane_queue(r.lane);
  const bool was_running = queue.running() && queue.running()->id == r.id;
  if (!was_running) queue.remove_queued(r.id);
  slots_.release(r.id);
  lock_waiting_.erase(r.id);
  const auto owned = runs_[r.id];
  runs_.erase(r.id);
  // Retention before the answers: a caller who lists the logs next sees
  // them as they stay.
  std::set<std::string> keep;
  for (const auto& [id, active] : runs_) keep.insert(id);
  logs_.prune(keep);
  run.answer();
  if (r.self_restart == std::optional<std::string>("pending")) {
    // What is queued now runs in the next instance, not in this one that is
    // about to be stopped. (The finished deploy keeps the running slot
    // meanwhile, so that nothing new starts here either.)
    if (state_ == State::serving) state_ = State::paused;
    request_self_restart(r);
  } else if (was_running) {
    start_next(r.lane);
  }
  // Its build slot is free: another lane's deploy may start.
  pump();
  maybe_shutdown_done();
}

void DeployService::start_next(const std::string& lane) {
  if (state_ != State::serving) return;
  // The queued deploy (if any) becomes the lane's head.
  if (auto next = lane_queue(lane).finish_running()) {
    if (DeployRun* n = find(next->id)) begin(*n);
  }
}

void DeployService::defer(DeployRun& run) {
  spdlog::info("deploy {}: stays queued; it runs when reship-back is back", run.id());
  auto owned = runs_[run.id()];
  runs_.erase(run.id());
  lane_queue(run.record().lane).remove_queued(run.id());
  slots_.release(run.id());
  lock_waiting_.erase(run.id());
  run.set_queue_position(1);
  run.answer();
}

void DeployService::request_self_restart(const DeployRecord& record) {
  std::weak_ptr<bool> alive = alive_;
  self_restart_.request(record, [this, alive, id = record.id, lane = record.lane](const SelfRestartOutcome& outcome) {
    if (alive.expired()) return;
    self_restart_done(id, outcome);
    // This instance stays: what waits in the queue may run here.
    if (state_ == State::paused) state_ = State::serving;
    start_next(lane);
    pump();
  });
}

void DeployService::self_restart_done(const std::string& id, const SelfRestartOutcome& outcome) {
  auto record = records_.lookup(id);
  if (!record) return;
  DeployRecord& r = *record;
  const size_t known = r.restarts.size();
  self_restart_.complete(r, outcome, static_cast<int>(::getpid()));
  records_.save(r);
  if (outcome.ok) {
    spdlog::info("deploy {}: self-restart done", r.id);
  } else {
    spdlog::error("deploy {}: {}", r.id, outcome.error);
  }
  for (size_t i = known; i < r.restarts.size(); ++i) events_.restart_done(r.id, r.restarts[i]);
}

// ---- processes and shutdown ------------------------------------------------------

void DeployService::check_groups() {
  for (auto& [id, run] : runs_) run->check_group();
}

void DeployService::shut_down(std::function<void()> done) {
  state_ = State::shutting_down;
  shutdown_done_ = std::move(done);
  std::vector<std::shared_ptr<DeployRun>> runs;
  for (const auto& [id, run] : runs_) runs.push_back(run);
  for (const auto& run : runs) {
    if (run->phase() == DeployRun::Phase::queued) {
      defer(*run);
    } else {
      run->interrupt();
    }
  }
  maybe_shutdown_done();
}

void DeployService::maybe_shutdown_done() {
  if (state_ == State::shutting_down && runs_.empty() && shutdown_done_) std::exchange(shutdown_done_, nullptr)();
}

}  // namespace reship::back
