#include "back/engine/deploy_service.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "common/os/leftovers.hpp"
#include "common/os/process_spawn.hpp"
#include "common/time.hpp"
#include "common/text/utf8.hpp"

namespace reship::back {

namespace {

// How much of the end of a failed build's log is searched for its telling
// lines: enough for any real error, bounded so a huge log does not stall the
// loop.
constexpr size_t kErrorScanBytes = 4 * 1024 * 1024;
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string seconds_text(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

}  // namespace

// ---- the state of an active deploy ----------------------------------------------

struct DeployService::Active {
  struct Waiter {
    DoneFn fn;
    bool coalesced = false;
  };
  struct Watcher {
    std::function<void(std::optional<DeployRecord>)> fn;
    std::unique_ptr<common::uv::Timer> timer;
  };

  DeployRecord record;
  std::vector<Waiter> waiters;
  std::map<uint64_t, Watcher> watchers;
  uint64_t next_watcher = 1;
  int64_t created_mono = 0;
  int64_t started_mono = 0;
  std::optional<int64_t> build_ms;
  std::unique_ptr<LogWriter> log;
  std::unique_ptr<Output> output;
  std::unique_ptr<BuildProcess> build;
  bool cancelling = false;
  std::string cancel_reason;
  bool interrupting = false;
  std::vector<std::string> restart_failures;
  bool restarting = false;
};

/// Feeds build output to the log and, one run of lines per read, to the
/// event bus.
class DeployService::Output final : public BuildOutput {
 public:
  Output(DeployService& service, Active& deploy) : service_(service), d_(deploy) {}

  void begin_read(LogStream stream, int64_t at_ms) override {
    d_.log->begin(stream, at_ms);
    run_ = LogRun{d_.record.id, stream_name(stream), at_ms, d_.log->bytes(), 0, 0};
  }

  void line(std::string_view text) override {
    d_.log->add(text);
    ++run_.lines;
  }

  void end_read() override {
    d_.log->end();
    d_.record.log_bytes = d_.log->bytes();
    // Lines the log could not take (a full disk) are not announced either.
    if (d_.log->error()) return;
    run_.bytes = static_cast<uint64_t>(d_.log->bytes() - run_.offset);
    service_.events_.publish_log(std::move(run_));
  }

 private:
  DeployService& service_;
  Active& d_;
  LogRun run_;
};

// ---- set-up ---------------------------------------------------------------------

DeployService::DeployService(uv_loop_t* loop, const common::Config& config, DeployStore& store, LogStore& logs,
                             EventBus& events, SupervisorClient& supervisor, common::ChildReaper& reaper)
    : loop_(loop),
      config_(config),
      store_(store),
      logs_(logs),
      events_(events),
      supervisor_(supervisor),
      reaper_(reaper),
      queue_(config.back.covers),
      self_restart_(loop, config, supervisor),
      retry_timer_(loop) {
  // Log events are read back from the log only when someone listens.
  events_.set_log_reader([&logs](const std::string& id, int64_t offset, uint64_t bytes) {
    auto text = logs.read(id, offset, static_cast<size_t>(bytes), nullptr);
    return text ? std::move(*text) : std::string();
  });
}

DeployService::~DeployService() = default;

std::string DeployService::scope_list() const {
  std::vector<std::string> names;
  for (const auto& [name, members] : config_.scopes) names.push_back(name);
  return names.empty() ? "none configured" : join(names);
}

void DeployService::recover() {
  std::vector<DeployRecord> never_started;
  for (DeployRecord& r : store_.unfinished()) {
    if (r.status == DeployStatus::queued && !r.started_at) {
      never_started.push_back(std::move(r));
      continue;
    }
    const std::string was = status_name(r.status);
    const int killed = common::kill_processes_with_env("RESHIP_DEPLOY_ID=" + r.id);
    r.status = DeployStatus::interrupted;
    r.finished_at = common::unix_ms();
    r.queue_position.reset();
    r.error_summary = "reship-back stopped while this deploy was " + was + "; it did not finish" +
                      (killed > 0 ? " (" + std::to_string(killed) + " leftover build processes were stopped)" : "");
    int64_t size = 0;
    if (logs_.read(r.id, 0, 0, &size)) r.log_bytes = size;
    r.build_pgid = 0;
    persist(r);
    spdlog::warn("deploy {}: marked interrupted (it was {} when reship-back stopped)", r.id, was);
    events_.publish("deploy.done", r.id, [&](common::JsonWriter& w) {
      w.field("ok", false).field("status", status_name(r.status)).field("exitCode", r.exit_code);
      w.field("durationMs", r.duration_ms).field("errorSummary", r.error_summary);
    });
  }
  for (DeployRecord& r : store_.self_restart_pending()) {
    // This very process is the restarted instance the record was waiting
    // for; after an edge bounce, it learns what the new supervisor runs.
    std::weak_ptr<bool> alive = alive_;
    self_restart_.learn(r, [this, alive, id = r.id](const SelfRestartOutcome& outcome) {
      if (!alive.expired()) self_restart_done(id, outcome);
    });
  }
  // Deploys that waited in the queue while reship-back restarted run now,
  // oldest first, under the usual queue rules.
  for (auto& r : never_started) resume(std::move(r));
}

// ---- requests -------------------------------------------------------------------

std::vector<std::string> DeployService::targets_for(const DeployRequest& request) const {
  std::vector<std::string> targets;
  if (const auto* members = config_.find_scope(request.scope)) {
    for (const auto& m : *members) {
      if (m == common::kEdge && !request.unrestricted) continue;
      targets.push_back(m);
    }
  }
  return targets;
}

std::variant<DeployService::Submitted, ApiError> DeployService::submit(const DeployRequest& request, DoneFn on_done) {
  if (shutting_down_) return ApiError{503, "shutting_down", "reship-back is shutting down; try again in a moment"};
  if (config_.find_scope(request.scope) == nullptr) {
    return ApiError{400, "unknown_scope", "unknown scope \"" + request.scope + "\"; scopes: " + scope_list()};
  }
  auto d = std::make_unique<Active>();
  DeployRecord& r = d->record;
  r.created_at = common::unix_ms();
  d->created_mono = common::monotonic_ms();
  do {
    r.id = new_deploy_id(r.created_at);
  } while (active_.count(r.id) != 0);
  r.status = DeployStatus::queued;
  r.scope = request.scope;
  r.mode = request.mode;
  r.targets = targets_for(request);
  r.requested_by = request.requested_by;
  r.session_id = request.session_id;
  r.reason = request.reason;

  const QueueEntry entry{r.id, r.scope, r.mode, r.targets};
  const auto decision = queue_.decide(entry, request.cancel_running);
  if (decision.action == DeployQueue::Decision::Action::coalesce) {
    Active* joined = find(decision.joined_id);
    joined->record.joined += 1;
    if (on_done) joined->waiters.push_back({std::move(on_done), true});
    persist(joined->record);
    spdlog::info("deploy {}: a request from {} joined it", joined->record.id, request.requested_by);
    Submitted submitted{joined->record.id, true, {}};
    if (auto warning = cancel_running(request, decision, submitted.id)) submitted.warnings.push_back(*warning);
    return submitted;
  }

  // Recorded before the queue changes: a deploy that cannot be written
  // leaves the queue as it was.
  r.queue_position = decision.action == DeployQueue::Decision::Action::start ? 0 : 1;
  auto inserted = store_.insert(r);
  if (!inserted && store_.get(r.id)) {
    // Two deploys in one second drew the same random suffix: draw again.
    r.id = new_deploy_id(r.created_at);
    inserted = store_.insert(r);
  }
  if (!inserted) {
    spdlog::error("{}", inserted.error().message);
    return ApiError{500, "storage_error", inserted.error().message};
  }
  queue_.apply(decision, entry);
  if (on_done) d->waiters.push_back({std::move(on_done), false});
  Active& deploy = *d;
  active_.emplace(r.id, std::move(d));
  spdlog::info("deploy {}: {} of scope {} requested by {}", r.id, mode_name(r.mode), r.scope, r.requested_by);
  events_.publish("deploy.queued", r.id, [&](common::JsonWriter& w) {
    w.field("scope", r.scope).field("mode", mode_name(r.mode)).field("queuePosition", *r.queue_position);
    w.field("requestedBy", r.requested_by);
  });

  if (decision.replaced_id) {
    if (Active* old = find(*decision.replaced_id)) {
      old->record.superseded_by = r.id;
      if (decision.waiters_move) {
        for (auto& w : old->waiters) deploy.waiters.push_back({std::move(w.fn), true});
        // Its own request and those that had joined it.
        deploy.record.joined += old->record.joined + 1;
        old->waiters.clear();
        persist(deploy.record);
        finish(*old, DeployStatus::cancelled,
               "superseded by deploy " + r.id + ", which covers it; its callers wait for that deploy");
      } else {
        finish(*old, DeployStatus::cancelled,
               "superseded by deploy " + r.id + " (" + mode_name(r.mode) + " of scope " + r.scope +
                   "), which took the queued slot");
      }
    }
  }
  Submitted submitted{r.id, false, {}};  // the deploy may end within start_running
  if (auto warning = cancel_running(request, decision, submitted.id)) submitted.warnings.push_back(*warning);
  if (decision.action == DeployQueue::Decision::Action::start) start_running(deploy);
  return submitted;
}

std::optional<std::string> DeployService::cancel_running(const DeployRequest& request,
                                                         const DeployQueue::Decision& decision,
                                                         const std::string& by_id) {
  if (!request.cancel_running) return std::nullopt;
  const auto& running = queue_.running();
  if (!decision.cancel_running_id) {
    if (!running || running->id == by_id) return "cancelRunning: no other deploy was running";
    return "cancelRunning: the running deploy " + running->id + " (" + mode_name(running->mode) + " of scope " +
           running->scope + ") does not do everything this request asks, so it was not cancelled";
  }
  const std::string target = *decision.cancel_running_id;
  Active* running_deploy = find(target);
  if (running_deploy == nullptr) return std::nullopt;
  // Said in its record as for a replaced queued deploy (set before the
  // cancel, which may end it at once).
  const auto previous = running_deploy->record.superseded_by;
  running_deploy->record.superseded_by = by_id;
  auto cancelled = cancel(target, "deploy " + by_id + " (cancelRunning)");
  if (auto* refused = std::get_if<ApiError>(&cancelled)) {
    if (Active* still = find(target)) still->record.superseded_by = previous;
    return "cancelRunning: " + refused->message;
  }
  return std::nullopt;
}

DeployService::Active* DeployService::find(const std::string& id) {
  auto it = active_.find(id);
  return it == active_.end() ? nullptr : it->second.get();
}

std::optional<DeployRecord> DeployService::get(const std::string& id) {
  if (Active* d = find(id)) {
    DeployRecord r = d->record;
    r.queue_position = queue_.position(id);
    return r;
  }
  if (auto it = unsaved_.find(id); it != unsaved_.end()) return it->second;
  return store_.get(id);
}

uint64_t DeployService::wait(const std::string& id, common::Millis timeout,
                             std::function<void(std::optional<DeployRecord>)> done) {
  Active* d = find(id);
  if (d == nullptr) {
    done(get(id));
    return 0;
  }
  const uint64_t key = d->next_watcher++;
  auto timer = std::make_unique<common::uv::Timer>(loop_);
  std::weak_ptr<bool> alive = alive_;
  timer->start(timeout, [this, id, key, alive] {
    if (alive.expired()) return;
    Active* active = find(id);
    if (active == nullptr) return;
    auto it = active->watchers.find(key);
    if (it == active->watchers.end()) return;
    auto fn = std::move(it->second.fn);
    active->watchers.erase(it);
    fn(get(id));
  });
  d->watchers.emplace(key, Active::Watcher{std::move(done), std::move(timer)});
  return key;
}

void DeployService::cancel_wait(const std::string& id, uint64_t key) {
  if (Active* d = find(id)) d->watchers.erase(key);
}

DeployStore::Page DeployService::list(const DeployStore::ListQuery& query) {
  auto page = store_.list(query);
  for (auto& r : page.deploys) {
    if (auto it = unsaved_.find(r.id); it != unsaved_.end()) {
      const int64_t seq = r.seq;
      r = it->second;
      r.seq = seq;
    }
    if (Active* d = find(r.id)) {
      const int64_t seq = r.seq;
      r = d->record;
      r.seq = seq;
      r.queue_position = queue_.position(r.id);
    }
  }
  return page;
}

std::variant<DeployRecord, ApiError> DeployService::cancel(const std::string& id, const std::string& by) {
  Active* d = find(id);
  if (d == nullptr) {
    auto record = store_.get(id);
    if (!record) return ApiError{404, "not_found", "no deploy " + id};
    return ApiError{409, "already_finished",
                    "deploy " + id + " already ended: " + std::string(status_name(record->status))};
  }
  if (d->restarting) {
    return ApiError{409, "restarting",
                    "deploy " + id + " is restarting services and cannot be cancelled now; it ends on its own"};
  }
  const std::string reason = "cancelled by " + by;
  if (queue_.remove_queued(id)) {
    finish(*d, DeployStatus::cancelled, reason);
    return *get(id);
  }
  if (!d->cancelling) {
    d->cancelling = true;
    d->cancel_reason = reason;
    spdlog::info("deploy {}: {}", id, reason);
    if (d->build) d->build->cancel();
  }
  DeployRecord r = d->record;
  r.queue_position = queue_.position(id);
  return r;
}

// ---- running ----------------------------------------------------------------------

void DeployService::start_running(Active& d) {
  DeployRecord& r = d.record;
  d.started_mono = common::monotonic_ms();
  r.started_at = common::unix_ms();
  r.queued_ms = d.started_mono - d.created_mono;
  r.queue_position = 0;
  r.status = mode_includes(r.mode, DeployMode::build) ? DeployStatus::building : DeployStatus::restarting;
  auto log = logs_.create(r.id);
  if (!log) {
    finish(d, DeployStatus::failed, log.error().message);
    return;
  }
  d.log = std::move(*log);
  d.output = std::make_unique<Output>(*this, d);
  persist(r);
  events_.publish("deploy.start", r.id, [&](common::JsonWriter& w) {
    w.field("mode", mode_name(r.mode)).field("targets", r.targets).field("scope", r.scope);
    w.field("sessionId", r.session_id.empty() ? std::optional<std::string>() : r.session_id);
  });
  log_line(d, "deploy " + r.id + ": " + mode_name(r.mode) + " of scope " + r.scope + " requested by " +
                  r.requested_by + (r.reason.empty() ? "" : " (" + r.reason + ")"));
  if (mode_includes(r.mode, DeployMode::build)) {
    run_build(d);
  } else {
    run_restart(d);
  }
}

void DeployService::run_build(Active& d) {
  DeployRecord& r = d.record;
  auto it = config_.builds.find(r.scope);
  if (it == config_.builds.end()) {
    log_line(d, "no build configured for scope " + r.scope + ": skipping the build step");
    d.build_ms = 0;
    on_build_done(d, BuildResult{0, true, "", false, false, false});
    return;
  }
  const std::vector<std::string>& argv = it->second;
  // Not reship-back's identity as a service, nor anything secret.
  auto env = common::current_environment({"NOTIFY_SOCKET", "RESHIP_TOKEN", "LISTEN_FDS", "LISTEN_PID",
                                          "RESHIP_SERVICE", "RESHIP_SUPERVISOR_SOCKET"});
  common::set_env(env, "RESHIP_DEPLOY_ID", r.id);
  common::set_env(env, "RESHIP_SCOPE", r.scope);
  common::set_env(env, "RESHIP_MODE", mode_name(r.mode));
  std::string path = common::get_env(env, "PATH");
  auto program = common::resolve_command(argv[0], config_.back.workdir, path.empty() ? kDefaultPath : path);
  std::string cmdline;
  for (const auto& a : argv) cmdline += (cmdline.empty() ? "" : " ") + a;
  log_line(d, "build: " + cmdline + " (in " + config_.back.workdir.string() + ")");
  const std::string id = r.id;
  if (!program) {
    BuildResult result;
    result.spawn_error = program.error().message;
    on_build_done(d, result);
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  d.build = std::make_unique<BuildProcess>(loop_, reaper_, *d.output,
                                           [this, id, alive](const BuildResult& result) {
                                             if (alive.expired()) return;
                                             if (Active* a = find(id)) on_build_done(*a, result);
                                           });
  common::SpawnRequest request;
  request.program = *program;
  request.argv = argv;
  request.env = std::move(env);
  request.cwd = config_.back.workdir;
  d.build->start(std::move(request), config_.back.build_timeout);
  // Not written now: a crash is recovered by finding the build's processes
  // through RESHIP_DEPLOY_ID in their environment, not by a pid.
  r.build_pgid = d.build->pgid();
}

void DeployService::on_build_done(Active& d, BuildResult result) {
  DeployRecord& r = d.record;
  d.build_ms = common::monotonic_ms() - d.started_mono;
  r.build_pgid = 0;
  if (result.started) {
    const int st = result.wait_status;
    if (WIFEXITED(st)) r.exit_code = WEXITSTATUS(st);
    if (WIFSIGNALED(st)) r.signal = common::signal_name(WTERMSIG(st));
  }
  d.build.reset();
  if (d.interrupting) {
    finish(d, DeployStatus::interrupted, "reship-back was stopped during the build; the build was stopped too");
    return;
  }
  if (d.cancelling || result.cancelled) {
    log_line(d, "build stopped: " + d.cancel_reason);
    finish(d, DeployStatus::cancelled, d.cancel_reason);
    return;
  }
  if (!result.started) {
    log_line(d, "build could not start: " + result.spawn_error);
    finish(d, DeployStatus::failed, "build could not start: " + result.spawn_error);
    return;
  }
  if (result.timed_out) {
    const std::string how = "timed out after " + common::format_duration(config_.back.build_timeout) +
                            " (stopped with SIGTERM" + (result.killed ? ", then SIGKILL)" : ")");
    log_line(d, "build " + how);
    finish(d, DeployStatus::failed, build_failure_summary(how, collect_errors(r.id)));
    return;
  }
  const bool ok = WIFEXITED(result.wait_status) && WEXITSTATUS(result.wait_status) == 0;
  const std::string how = common::describe_wait_status(result.wait_status);
  log_line(d, "build " + how + " after " + seconds_text(*d.build_ms));
  if (!ok) {
    finish(d, DeployStatus::failed, build_failure_summary("failed: " + how, collect_errors(r.id)));
    return;
  }
  if (!mode_includes(r.mode, DeployMode::restart) || r.targets.empty()) {
    finish(d, DeployStatus::succeeded, std::nullopt);
    return;
  }
  run_restart(d);
}

void DeployService::run_restart(Active& d) {
  DeployRecord& r = d.record;
  r.status = DeployStatus::restarting;
  persist(r);
  std::vector<std::string> others;
  for (const auto& t : r.targets) {
    if (t != common::kEdge && t != config_.back.service) others.push_back(t);
  }
  if (others.empty()) {
    on_restarts_done(d);
    return;
  }
  d.restarting = true;
  log_line(d, "restarting " + join(others));
  const std::string id = r.id;
  std::weak_ptr<bool> alive = alive_;
  SupervisorClient::RestartHandlers h;
  h.on_ack = [this, id, alive](const std::vector<std::string>& services) {
    if (alive.expired()) return;
    for (const auto& s : services) {
      events_.publish("deploy.restart.start", id, [&](common::JsonWriter& w) { w.field("service", s); });
    }
  };
  h.on_done = [this, id, alive](const ipc::RestartDone& done) {
    if (alive.expired()) return;
    Active* a = find(id);
    if (a == nullptr) return;
    a->record.restarts.push_back({done.service, done.ok, done.pid, done.duration_ms, done.error, done.killed});
    if (done.ok) {
      log_line(*a, done.service + " restarted: pid " + std::to_string(done.pid.value_or(0)) + " in " +
                       std::to_string(done.duration_ms) + " ms" + (done.killed ? " (SIGKILLed after its stop timeout)" : ""));
    } else {
      log_line(*a, done.service + " failed to restart: " + done.error);
      a->restart_failures.push_back(restart_failure_summary(done.service, done.error, done.output));
    }
    persist(a->record);
    events_.publish("deploy.restart.done", id, [&](common::JsonWriter& w) {
      w.field("service", done.service).field("ok", done.ok).field("pid", done.pid).field("durationMs", done.duration_ms);
      if (!done.ok) w.field("error", done.error);
    });
  };
  h.on_complete = [this, id, alive](const ipc::RestartComplete&) {
    if (alive.expired()) return;
    if (Active* a = find(id)) {
      a->restarting = false;
      on_restarts_done(*a);
    }
  };
  h.on_failure = [this, id, alive](const common::Error& error) {
    if (alive.expired()) return;
    Active* a = find(id);
    if (a == nullptr) return;
    a->restarting = false;
    log_line(*a, error.message);
    const bool built = mode_includes(a->record.mode, DeployMode::build);
    finish(*a, DeployStatus::failed,
           error.message + (a->record.restarts.empty()
                                ? (built ? "; the build succeeded but nothing was restarted" : "; nothing was restarted")
                                : ""));
  };
  supervisor_.restart(others, std::move(h));
}

void DeployService::on_restarts_done(Active& d) {
  DeployRecord& r = d.record;
  if (d.interrupting) {
    finish(d, DeployStatus::interrupted, "reship-back was stopped while services were restarting");
    return;
  }
  if (!d.restart_failures.empty()) {
    std::string summary;
    for (const auto& f : d.restart_failures) summary += (summary.empty() ? "" : "\n") + f;
    finish(d, DeployStatus::failed, cap_summary(summary));
    return;
  }
  if (self_restart_.needed(r)) {
    r.self_restart = "pending";
    if (!SelfRestart::bounces_supervisor(r)) {
      log_line(d, "restarting " + config_.back.service + " itself; the next instance completes this record");
    } else if (config_.back.service.empty()) {
      log_line(d, "restarting the supervisor (edge) and every service with it; this record is completed once they "
                  "are back");
    } else {
      log_line(d, "restarting the supervisor (edge) and every service with it; the next instance of reship-back "
                  "completes this record");
    }
  }
  finish(d, DeployStatus::succeeded, std::nullopt);
}

void DeployService::finish(Active& d, DeployStatus status, std::optional<std::string> summary) {
  DeployRecord& r = d.record;
  const int64_t now_mono = common::monotonic_ms();
  r.status = status;
  r.finished_at = common::unix_ms();
  r.duration_ms = d.started_mono > 0 ? now_mono - d.started_mono : 0;
  r.queue_position.reset();
  r.build_pgid = 0;
  if (summary) r.error_summary = cap_summary(*summary);
  if (status != DeployStatus::succeeded && !r.error_summary) r.error_summary = std::string(status_name(status));
  if (d.log) {
    std::string line = "deploy " + std::string(status_name(status)) + " after " + seconds_text(r.duration_ms);
    log_line(d, line);
    if (d.log->error()) {
      r.error_summary = (r.error_summary ? *r.error_summary + "\n" : "") + "the log is incomplete: " + *d.log->error();
    }
    r.log_bytes = d.log->bytes();
    d.log.reset();
  }
  persist(r);
  spdlog::info("deploy {}: {}{}", r.id, status_name(status),
               r.error_summary ? ": " + r.error_summary->substr(0, r.error_summary->find('\n')) : "");
  if (status == DeployStatus::cancelled) {
    events_.publish("deploy.cancelled", r.id, [&](common::JsonWriter& w) { w.field("reason", r.error_summary); });
  }
  events_.publish("deploy.done", r.id, [&](common::JsonWriter& w) {
    w.field("ok", status == DeployStatus::succeeded).field("status", status_name(status));
    w.field("exitCode", r.exit_code).field("durationMs", r.duration_ms).field("errorSummary", r.error_summary);
    w.field("selfRestart", r.self_restart);
  });
  if (on_finished_) on_finished_(Finished{r, d.build_ms});

  // Take the deploy out before answering: the answers may submit anew.
  auto owned = std::move(active_[r.id]);
  active_.erase(r.id);
  const bool was_running = queue_.running() && queue_.running()->id == r.id;
  if (!was_running) queue_.remove_queued(r.id);
  // Retention before the answers: a caller who lists the logs next sees
  // them as they stay.
  std::set<std::string> keep;
  for (const auto& [id, a] : active_) keep.insert(id);
  logs_.prune(keep);
  for (auto& w : owned->waiters) w.fn(r, w.coalesced);
  for (auto& [key, watcher] : owned->watchers) watcher.fn(r);
  if (r.self_restart == std::optional<std::string>("pending")) {
    // What is queued now runs in the next instance, not in this one that is
    // about to be stopped.
    restarting_self_ = true;
    request_self_restart(r);
  } else if (was_running) {
    start_next();
  }
  if (shutting_down_ && active_.empty() && shutdown_done_) std::exchange(shutdown_done_, nullptr)();
}

void DeployService::start_next() {
  if (restarting_self_ || shutting_down_) return;
  if (auto next = queue_.finish_running()) {
    if (Active* n = find(next->id)) start_running(*n);
  }
}

void DeployService::request_self_restart(const DeployRecord& record) {
  std::weak_ptr<bool> alive = alive_;
  self_restart_.request(record, [this, alive, id = record.id](const SelfRestartOutcome& outcome) {
    if (alive.expired()) return;
    self_restart_done(id, outcome);
    // This instance stays: what waits in the queue may run here.
    restarting_self_ = false;
    start_next();
  });
}

void DeployService::self_restart_done(const std::string& id, const SelfRestartOutcome& outcome) {
  // The newest copy: one the database refused lives in unsaved_.
  std::optional<DeployRecord> record;
  if (auto it = unsaved_.find(id); it != unsaved_.end()) {
    record = it->second;
  } else {
    record = store_.get(id);
  }
  if (!record) return;
  DeployRecord& r = *record;
  const size_t known = r.restarts.size();
  self_restart_.complete(r, outcome, static_cast<int>(::getpid()));
  persist(r);
  if (outcome.ok) {
    spdlog::info("deploy {}: self-restart done", r.id);
  } else {
    spdlog::error("deploy {}: {}", r.id, outcome.error);
  }
  for (size_t i = known; i < r.restarts.size(); ++i) {
    const RestartEntry& e = r.restarts[i];
    events_.publish("deploy.restart.done", r.id, [&](common::JsonWriter& w) {
      w.field("service", e.service).field("ok", e.ok).field("pid", e.pid).field("durationMs", e.duration_ms);
      if (!e.ok) w.field("error", e.error);
    });
  }
}

void DeployService::defer(Active& d) {
  DeployRecord& r = d.record;
  spdlog::info("deploy {}: stays queued; it runs when reship-back is back", r.id);
  auto owned = std::move(active_[r.id]);
  active_.erase(r.id);
  queue_.remove_queued(r.id);
  r.queue_position = 1;
  for (auto& w : owned->waiters) w.fn(r, w.coalesced);
  for (auto& [key, watcher] : owned->watchers) watcher.fn(r);
  if (shutting_down_ && active_.empty() && shutdown_done_) std::exchange(shutdown_done_, nullptr)();
}

void DeployService::resume(DeployRecord record) {
  spdlog::info("deploy {}: queued before reship-back restarted; running it now", record.id);
  auto d = std::make_unique<Active>();
  d->record = std::move(record);
  // Its time in the queue spans the restart: count it from the record.
  d->created_mono = common::monotonic_ms() - std::max<int64_t>(0, common::unix_ms() - d->record.created_at);
  Active& deploy = *d;
  const QueueEntry entry{deploy.record.id, deploy.record.scope, deploy.record.mode, deploy.record.targets};
  const auto decision = queue_.decide(entry, false);
  if (decision.action == DeployQueue::Decision::Action::coalesce) {
    // Two leftovers where one covers the other: the covered one is done by
    // the other.
    deploy.record.superseded_by = decision.joined_id;
    active_.emplace(deploy.record.id, std::move(d));
    finish(deploy, DeployStatus::cancelled, "covered by deploy " + decision.joined_id + " after a restart");
    return;
  }
  queue_.apply(decision, entry);
  active_.emplace(deploy.record.id, std::move(d));
  if (decision.action == DeployQueue::Decision::Action::start) start_running(deploy);
}

// ---- support ----------------------------------------------------------------------

ErrorCollector DeployService::collect_errors(const std::string& id) const {
  // Read back from the log on failure only: scanning every line as it
  // streams by would tax every build for the sake of the failed ones.
  ErrorCollector collector;
  logs_.for_each_line(id, kErrorScanBytes, [&](std::string_view line) {
    if (line.substr(0, 9) != "[reship] ") collector.add(line);
  });
  return collector;
}

void DeployService::persist(const DeployRecord& record) {
  if (auto written = store_.update(record); !written) {
    if (unsaved_.empty()) spdlog::error("{}; keeping records in memory and retrying", written.error().message);
    unsaved_[record.id] = record;
    if (!retry_timer_.active()) retry_timer_.start_repeating(common::Millis(5000), [this] { retry_unsaved(); });
    return;
  }
  unsaved_.erase(record.id);
}

void DeployService::retry_unsaved() {
  for (auto it = unsaved_.begin(); it != unsaved_.end();) {
    if (!store_.update(it->second)) return;  // still refused: try later
    it = unsaved_.erase(it);
  }
  spdlog::info("the deploy database takes writes again; every record is saved");
  retry_timer_.stop();
}

void DeployService::log_line(Active& d, const std::string& text) {
  if (!d.log) return;
  // The same path as build output, under a stream of its own.
  d.output->begin_read(LogStream::reship, common::unix_ms());
  d.output->line("[reship] " + text);
  d.output->end_read();
}

void DeployService::check_groups() {
  for (auto& [id, d] : active_) {
    if (d->build) d->build->check_group();
  }
}

void DeployService::shut_down(std::function<void()> done) {
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  std::vector<std::string> ids;
  for (const auto& [id, d] : active_) ids.push_back(id);
  for (const auto& id : ids) {
    Active* d = find(id);
    if (d == nullptr) continue;
    if (!d->record.started_at) {
      defer(*d);
      continue;
    }
    d->interrupting = true;
    if (d->build) {
      d->build->cancel();  // ends in on_build_done, as interrupted
    } else {
      finish(*d, DeployStatus::interrupted, "reship-back was stopped while services were restarting");
    }
  }
  if (active_.empty() && shutdown_done_) std::exchange(shutdown_done_, nullptr)();
}

}  // namespace reship::back
