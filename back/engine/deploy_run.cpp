#include "back/engine/deploy_run.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "back/engine/build_command.hpp"
#include "back/diagnostics/structured.hpp"
#include "back/diagnostics/summary.hpp"
#include "back/engine/error_summary.hpp"
#include "common/time.hpp"

namespace reship::back {
namespace {

std::string seconds_text(int64_t ms) { return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0); }

const char* phase_name(DeployRun::Phase phase) {
  switch (phase) {
    case DeployRun::Phase::queued: return "queued";
    case DeployRun::Phase::building: return "building";
    case DeployRun::Phase::restarting: return "restarting";
    case DeployRun::Phase::done: return "done";
  }
  return "?";
}

}  // namespace

DeployRun::DeployRun(DeployContext& ctx, DeployRecord record, int64_t created_mono, EndFn on_end)
    : ctx_(ctx), record_(std::move(record)), created_mono_(created_mono), on_end_(std::move(on_end)) {}

DeployRun::~DeployRun() = default;

// ---- the phases -------------------------------------------------------------------

void DeployRun::start() {
  DeployRecord& r = record_;
  started_mono_ = common::monotonic_ms();
  r.started_at = common::unix_ms();
  r.queued_ms = started_mono_ - created_mono_;
  r.queue_position = 0;
  const bool builds = mode_includes(r.mode, DeployMode::build);
  phase_ = builds ? Phase::building : Phase::restarting;
  spdlog::debug("deploy {}: queued -> {}", r.id, phase_name(phase_));
  r.status = builds ? DeployStatus::building : DeployStatus::restarting;
  auto log = ctx_.logs.create(r.id);
  if (!log) {
    finish(DeployStatus::failed, log.error().message);
    return;
  }
  log_ = std::make_unique<DeployLog>(std::move(*log), r.id, ctx_.events);
  ctx_.records.save(r);
  ctx_.events.started(r);
  note("deploy " + r.id + ": " + mode_name(r.mode) + " of scope " + r.scope + " requested by " + r.requested_by +
       (r.reason.empty() ? "" : " (" + r.reason + ")"));
  if (builds) {
    probe_source();
  } else {
    after_build();
  }
}

void DeployRun::run_build() {
  // An empty folder of its own, where the build may leave SARIF or GCC JSON.
  std::error_code ec;
  std::filesystem::remove_all(diagnostics_dir(), ec);
  std::filesystem::create_directories(diagnostics_dir(), ec);
  auto command = build_command(ctx_.config, record_, diagnostics_dir());
  if (!command) {
    note("no build configured for scope " + record_.scope + ": nothing to build");
    build_ms_ = 0;
    after_build();
    return;
  }
  note("build: " + command->text + " (in " + ctx_.config.back.workdir.string() + ")");
  if (command->error) {
    BuildResult result;
    result.spawn_error = *command->error;
    on_build_done(result);
    return;
  }
  std::weak_ptr<DeployRun> weak = weak_from_this();
  build_ = std::make_unique<BuildProcess>(ctx_.loop, ctx_.reaper, *log_, [weak](const BuildResult& result) {
    if (auto self = weak.lock()) self->on_build_done(result);
  });
  build_->start(std::move(command->request), ctx_.config.back.build_timeout, contain_build());
  // Not written now: a crash is recovered by finding the build's processes
  // through RESHIP_DEPLOY_ID in their environment, not by a pid.
  record_.build_pgid = build_->pgid();
}

BuildContainment DeployRun::contain_build() {
  BuildContainment containment;
  containment.env_marker = "RESHIP_DEPLOY_ID=" + record_.id;
  const uint64_t memory_max = ctx_.config.back.build_memory_max;
  auto cgroup = common::ProcessCgroup::create("reship-build-" + record_.id, memory_max);
  if (!cgroup) {
    // Said in the log each time: what holds the build is part of its story.
    note("build runs without a cgroup (" + cgroup.error().message +
         "); its processes are followed by process group and RESHIP_DEPLOY_ID" +
         (memory_max > 0 ? ", and build_memory_max is not applied" : ""));
    return containment;
  }
  note("build runs in " + (*cgroup)->describe());
  if (!(*cgroup)->memory_note().empty()) note("build_memory_max is not applied: " + (*cgroup)->memory_note());
  containment.cgroup = std::move(*cgroup);
  return containment;
}

void DeployRun::on_build_done(BuildResult result) {
  DeployRecord& r = record_;
  build_ms_ = common::monotonic_ms() - started_mono_;
  r.build_pgid = 0;
  if (result.leftovers > 0) {
    note("stopped " + std::to_string(result.leftovers) + " process" + (result.leftovers == 1 ? "" : "es") +
         " the build left running");
  }
  if (result.started) {
    const int st = result.wait_status;
    if (WIFEXITED(st)) r.exit_code = WEXITSTATUS(st);
    if (WIFSIGNALED(st)) r.signal = common::signal_name(WTERMSIG(st));
  }
  build_.reset();
  if (ending_ && ending_->kind == Ending::Kind::interrupt) {
    finish(DeployStatus::interrupted, "reship-back was stopped during the build; the build was stopped too");
    return;
  }
  if (ending_ || result.cancelled) {
    const std::string reason = ending_ ? ending_->reason : "cancelled";
    note("build stopped: " + reason);
    finish(DeployStatus::cancelled, reason);
    return;
  }
  if (!result.started) {
    note("build could not start: " + result.spawn_error);
    finish(DeployStatus::failed, "build could not start: " + result.spawn_error);
    return;
  }
  if (result.timed_out) {
    const std::string how = "timed out after " + common::format_duration(ctx_.config.back.build_timeout) +
                            " (stopped with SIGTERM" + (result.killed ? ", then SIGKILL)" : ")");
    note("build " + how);
    fail_build("build " + how);
    return;
  }
  const bool ok = WIFEXITED(result.wait_status) && WEXITSTATUS(result.wait_status) == 0;
  const std::string how = common::describe_wait_status(result.wait_status);
  note("build " + how + " after " + seconds_text(*build_ms_));
  if (!ok) {
    // reship stops builds with SIGTERM (then SIGKILL) only when it says so
    // above; a SIGKILL from elsewhere is most often the kernel's OOM killer.
    const bool killed_outside = WIFSIGNALED(result.wait_status) && WTERMSIG(result.wait_status) == SIGKILL;
    if (result.cgroup_oom) {
      // The kernel says so: no question mark.
      note("build " + *result.cgroup_oom);
      fail_build("build failed: " + how + "; " + *result.cgroup_oom);
    } else {
      fail_build(killed_outside ? "build failed: killed by SIGKILL (out of memory?)" : "build failed: " + how);
    }
    return;
  }
  after_build();
}

void DeployRun::after_build() {
  if (record_.reload && !reloaded_) {
    run_reload();
    return;
  }
  if (!mode_includes(record_.mode, DeployMode::restart) || record_.targets.empty()) {
    finish(DeployStatus::succeeded, std::nullopt);
    return;
  }
  run_restarts();
}

void DeployRun::run_restarts() {
  DeployRecord& r = record_;
  if (phase_ != Phase::restarting) spdlog::debug("deploy {}: {} -> restarting", r.id, phase_name(phase_));
  phase_ = Phase::restarting;
  r.status = DeployStatus::restarting;
  ctx_.records.save(r);
  // reship-back itself and edge come last, after the answer (SelfRestart).
  std::vector<std::string> others;
  for (const auto& t : r.targets) {
    if (t != common::kEdge && t != ctx_.config.back.service) others.push_back(t);
  }
  if (others.empty()) {
    on_restarts_complete();
    return;
  }
  note(fmt::format("restarting {}", fmt::join(others, ", ")));
  std::weak_ptr<DeployRun> weak = weak_from_this();
  Restarter::Handlers h;
  h.on_ack = [weak](const std::vector<std::string>& services) {
    auto self = weak.lock();
    if (!self) return;
    for (const auto& s : services) self->ctx_.events.restart_started(self->id(), s);
  };
  h.on_done = [weak, late = ctx_.late_restart_done, id = r.id](const ipc::RestartDone& done) {
    auto self = weak.lock();
    if (self && self->phase_ == Phase::restarting) {
      self->on_restart_done(done);
    } else if (late) {
      late(id, done);  // the deploy ended meanwhile: its record still learns it
    }
  };
  h.on_complete = [weak](const ipc::RestartComplete&) {
    if (auto self = weak.lock()) self->on_restarts_complete();
  };
  h.on_failure = [weak](const common::Error& error) {
    if (auto self = weak.lock()) self->on_restart_failure(error);
  };
  ctx_.restarter.restart(others, std::move(h));
}

void DeployRun::on_restart_done(const ipc::RestartDone& done) {
  if (phase_ != Phase::restarting) return;
  const RestartEntry entry = restart_entry(done);
  record_.restarts.push_back(entry);
  if (done.ok) {
    note(done.service + " restarted: pid " + std::to_string(done.pid.value_or(0)) + " in " +
         std::to_string(done.duration_ms) + " ms" + (done.mode == "overlap" ? " (overlapping the old one)" : "") +
         (done.killed ? " (SIGKILLed after its stop timeout)" : ""));
  } else {
    note(done.service + " failed to restart: " + done.error);
    // The service's own last words, in the deploy's log as it printed them.
    if (log_ && !done.output.empty()) {
      log_->begin_read(LogStream::err, common::unix_ms());
      size_t start = 0;
      while (start < done.output.size()) {
        size_t end = done.output.find('\n', start);
        if (end == std::string::npos) end = done.output.size();
        log_->line("[" + done.service + "] " + done.output.substr(start, end - start));
        start = end + 1;
      }
      log_->end_read();
    }
    const auto* service = ctx_.config.find_service(done.service);
    auto failure = diagnostics::analyze_restart_failure(done.service, done.error, done.output,
                                                        service ? service->cwd.string() : std::string());
    restart_failures_.push_back(std::move(failure.summary));
    for (auto& d : failure.diagnostics) {
      if (record_.diagnostics.size() < diagnostics::Analyzer::kMaxDiagnostics) record_.diagnostics.push_back(std::move(d));
    }
  }
  ctx_.records.save(record_);
  ctx_.events.restart_done(id(), entry);
}

void DeployRun::on_restarts_complete() {
  if (phase_ != Phase::restarting) return;
  DeployRecord& r = record_;
  if (ending_ && ending_->kind == Ending::Kind::interrupt) {
    finish(DeployStatus::interrupted, "reship-back was stopped while services were restarting");
    return;
  }
  if (!restart_failures_.empty()) {
    finish(DeployStatus::failed, cap_summary(fmt::format("{}", fmt::join(restart_failures_, "\n"))));
    return;
  }
  if (ctx_.self_restart.needed(r)) {
    r.self_restart = "pending";
    if (!SelfRestart::bounces_supervisor(r)) {
      note("restarting " + ctx_.config.back.service + " itself; the next instance completes this record");
    } else if (ctx_.config.back.service.empty()) {
      note("restarting the supervisor (edge) and every service with it; this record is completed once they are back");
    } else {
      note("restarting the supervisor (edge) and every service with it; the next instance of reship-back completes "
           "this record");
    }
  }
  finish(DeployStatus::succeeded, std::nullopt);
}

void DeployRun::on_restart_failure(const common::Error& error) {
  if (phase_ != Phase::restarting) return;
  note(error.message);
  if (error.sys_errno == ETIMEDOUT) {
    // Sent, not answered: a stalled supervisor may carry it out yet.
    finish(DeployStatus::failed, error.message +
                                     "; the restart may still be carried out: what the supervisor reports later is "
                                     "added to this record's restarts");
    return;
  }
  const bool built = mode_includes(record_.mode, DeployMode::build);
  finish(DeployStatus::failed,
         error.message + (record_.restarts.empty()
                              ? (built ? "; the build succeeded but nothing was restarted" : "; nothing was restarted")
                              : ""));
}

// ---- ending ----------------------------------------------------------------------------

std::optional<Refusal> DeployRun::cancel(const std::string& reason) {
  switch (phase_) {
    case Phase::queued:
      end(DeployStatus::cancelled, reason);
      return std::nullopt;
    case Phase::building:
      if (!ending_) {
        ending_ = Ending{Ending::Kind::cancel, reason};
        spdlog::info("deploy {}: {}", id(), reason);
        if (build_) build_->cancel();
        if (source_) source_->cancel();
      }
      return std::nullopt;
    case Phase::restarting:
      return Refusal{Refusal::Reason::restarting,
                     "deploy " + id() + " is restarting services and cannot be cancelled now; it ends on its own",
                     id()};
    case Phase::done:
      return Refusal{Refusal::Reason::already_finished,
                     "deploy " + id() + " already ended: " + std::string(status_name(record_.status)), id()};
  }
  return std::nullopt;
}

void DeployRun::interrupt() {
  switch (phase_) {
    case Phase::building:
      ending_ = Ending{Ending::Kind::interrupt, ""};
      if (build_) build_->cancel();  // ends in on_build_done, as interrupted
      if (source_) source_->cancel();
      return;
    case Phase::restarting:
      ending_ = Ending{Ending::Kind::interrupt, ""};
      finish(DeployStatus::interrupted, "reship-back was stopped while services were restarting");
      return;
    case Phase::queued:  // the engine keeps it queued for the next start
    case Phase::done:
      return;
  }
}

void DeployRun::end(DeployStatus status, std::optional<std::string> summary) {
  if (phase_ != Phase::done) finish(status, std::move(summary));
}

void DeployRun::finish(DeployStatus status, std::optional<std::string> summary) {
  DeployRecord& r = record_;
  spdlog::debug("deploy {}: {} -> done", r.id, phase_name(phase_));
  phase_ = Phase::done;
  build_.reset();
  r.status = status;
  r.finished_at = common::unix_ms();
  r.duration_ms = started_mono_ > 0 ? common::monotonic_ms() - started_mono_ : 0;
  r.queue_position.reset();
  r.build_pgid = 0;
  if (summary) r.error_summary = cap_summary(*summary);
  if (status != DeployStatus::succeeded && !r.error_summary) r.error_summary = std::string(status_name(status));
  if (log_) {
    note("deploy " + std::string(status_name(status)) + " after " + seconds_text(r.duration_ms));
    if (log_->error()) {
      r.error_summary = (r.error_summary ? *r.error_summary + "\n" : "") + "the log is incomplete: " + *log_->error();
    }
    r.log_bytes = log_->bytes();
    log_.reset();
  }
  ctx_.records.save(r);
  std::error_code ec;
  std::filesystem::remove_all(diagnostics_dir(), ec);  // read, if it was wanted
  spdlog::info("deploy {}: {}{}", r.id, status_name(status),
               r.error_summary ? ": " + r.error_summary->substr(0, r.error_summary->find('\n')) : "");
  if (status == DeployStatus::cancelled) ctx_.events.cancelled(r);
  ctx_.events.done(r);
  // The engine may let go of this run in there: keep it until the end.
  auto self = shared_from_this();
  if (on_end_) on_end_(*this);
}

void DeployRun::check_group() {
  if (build_) build_->check_group();
  if (source_) source_->check_group();
}

// ---- callers ------------------------------------------------------------------------

DeployRecord DeployRun::snapshot() const {
  DeployRecord r = record_;
  if (log_) r.log_bytes = log_->bytes();
  return r;
}

void DeployRun::count_joined(int more) {
  record_.joined += more;
  ctx_.records.save(record_);
}

void DeployRun::add_waiter(DoneFn fn, bool coalesced) {
  if (fn) waiters_.push_back({std::move(fn), coalesced});
}

void DeployRun::take_callers_from(DeployRun& other) {
  for (auto& w : other.waiters_) waiters_.push_back({std::move(w.fn), true});
  other.waiters_.clear();
  // Its own request and those that had joined it.
  count_joined(other.record_.joined + 1);
}

uint64_t DeployRun::watch(common::Millis timeout, WatchFn fn) {
  const uint64_t key = next_watcher_++;
  auto timer = std::make_unique<common::uv::Timer>(ctx_.loop);
  std::weak_ptr<DeployRun> weak = weak_from_this();
  timer->start(timeout, [weak, key] {
    auto self = weak.lock();
    if (!self) return;
    auto it = self->watchers_.find(key);
    if (it == self->watchers_.end()) return;
    auto done = std::move(it->second.fn);
    self->watchers_.erase(it);
    done(self->record_);
  });
  watchers_.emplace(key, Watcher{std::move(fn), std::move(timer)});
  return key;
}

void DeployRun::answer() {
  auto waiters = std::move(waiters_);
  waiters_.clear();
  auto watchers = std::move(watchers_);
  watchers_.clear();
  for (auto& w : waiters) w.fn(record_, w.coalesced);
  for (auto& [key, watcher] : watchers) watcher.fn(record_);
}

// ---- support ----------------------------------------------------------------------

void DeployRun::note(const std::string& text) {
  if (!log_) return;
  log_->note(text);
  record_.log_bytes = log_->bytes();
}

void DeployRun::fail_build(const std::string& headline) {
  // Read back from the log on failure only: scanning every line as it
  // streams by would tax every build for the sake of the failed ones.
  ErrorCollector collector(ctx_.config.back.workdir.string());
  ctx_.logs.for_each_line(id(), kErrorScanBytes, [&](std::string_view line) {
    if (line.substr(0, 9) != "[reship] ") collector.add(line);
  });
  // What the build wrote about itself comes first (RESHIP_DIAGNOSTICS_DIR).
  auto structured = diagnostics::read_diagnostics_dir(diagnostics_dir());
  for (const auto& problem : structured.problems) spdlog::warn("deploy {}: {}", id(), problem);
  collector.analyzer().add_structured(std::move(structured.diagnostics));
  const auto analysis = collector.analysis();
  record_.diagnostics = analysis.diagnostics;
  finish(DeployStatus::failed, diagnostics::compose_summary(headline, analysis));
}

std::filesystem::path DeployRun::diagnostics_dir() const {
  return ctx_.config.back.state_dir / "diagnostics" / id();
}

}  // namespace reship::back
