#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "back/engine/build_process.hpp"
#include "back/engine/config_reloader.hpp"
#include "back/engine/deploy_events.hpp"
#include "back/engine/deploy_log.hpp"
#include "back/engine/deploy_record.hpp"
#include "back/engine/error_summary.hpp"
#include "back/engine/record_writer.hpp"
#include "back/engine/refusal.hpp"
#include "back/engine/restarter.hpp"
#include "back/engine/self_restart.hpp"
#include "back/source_probe.hpp"
#include "back/store/log_store.hpp"
#include "common/config/config.hpp"
#include "common/os/child_reaper.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::back {

/// What every deploy run shares: the engine's parts.
struct DeployContext {
  uv_loop_t* loop;
  const common::Config& config;
  RecordWriter& records;
  LogStore& logs;
  DeployEvents& events;
  Restarter& restarter;
  common::ChildReaper& reaper;
  const SelfRestart& self_restart;
  /// A restart.done that came after its deploy had ended (a stalled
  /// supervisor): added to the record there.
  std::function<void(const std::string& deploy_id, const ipc::RestartDone& done)> late_restart_done = nullptr;
  /// Reloads reship-back's config, for a deploy with "reload": true.
  ConfigReloader reload_config = nullptr;
};

/// The services a deploy of `scope` restarts: the scope's members, with
/// `edge` only for a caller who may bounce it.
std::vector<std::string> scope_targets(const common::Config& config, std::string_view scope, bool with_edge);

/// One deploy, from the queue to its end (contract 3.1, 3.2): its build, then
/// its restarts, then the last state of its record, and the answers to
/// everyone waiting for it.
///
///   queued ──start──▶ building ──exit 0──▶ restarting ──complete──▶ done
///      │                 │  (mode restart: straight to restarting)    ▲
///      └── end() ────────┴── failure, cancel, interrupt ───────────────┘
///
/// The engine holds each run by a shared handle; the run's own callbacks
/// (its build, its restarts, its timers) hold it weakly, so that a run the
/// engine has let go of hears nothing more. A run that is done calls the
/// engine's EndFn once, with its record final and saved, and answers its
/// callers when the engine says so (answer()).
class DeployRun : public std::enable_shared_from_this<DeployRun> {
 public:
  enum class Phase { queued, building, restarting, done };
  /// A caller's answer: the record, and whether this caller joined a deploy
  /// someone else had asked for.
  using DoneFn = std::function<void(const DeployRecord& record, bool coalesced)>;
  /// A ?wait= caller: the final record, or the record as it was at the
  /// timeout.
  using WatchFn = std::function<void(std::optional<DeployRecord>)>;
  using EndFn = std::function<void(DeployRun& run)>;

  /// How much of the end of a failed build's log is searched for its telling
  /// lines: enough for any real error, bounded so that a huge log does not
  /// stall the loop.
  static constexpr size_t kErrorScanBytes = 4 * 1024 * 1024;

  DeployRun(DeployContext& ctx, DeployRecord record, int64_t created_mono, EndFn on_end);
  ~DeployRun();
  DeployRun(const DeployRun&) = delete;
  DeployRun& operator=(const DeployRun&) = delete;

  const DeployRecord& record() const { return record_; }
  /// The record as callers see it now (its log's size as written so far).
  DeployRecord snapshot() const;
  const std::string& id() const { return record_.id; }
  Phase phase() const { return phase_; }
  int64_t created_mono() const { return created_mono_; }
  std::optional<int64_t> build_ms() const { return build_ms_; }

  /// Leaves the queue: the build starts (or, for mode restart, the
  /// restarts).
  void start();
  /// Ends a deploy that is not done: at once when queued; by stopping its
  /// build when building (it ends cancelled once the build is gone).
  /// Refused while it restarts services (they restart to their end).
  std::optional<Refusal> cancel(const std::string& reason);
  /// reship-back is stopping: a running build is stopped and the deploy
  /// ends interrupted; one restarting services ends interrupted at once.
  void interrupt();
  /// Ends the deploy now with `status` (a queued deploy replaced, covered,
  /// or cancelled).
  void end(DeployStatus status, std::optional<std::string> summary);
  /// After each reaping pass.
  void check_group();

  /// Changes to the record while queued (joined callers, supersededBy),
  /// saved at once.
  void count_joined(int more);
  void set_superseded_by(std::optional<std::string> id) { record_.superseded_by = std::move(id); }
  void set_queue_position(std::optional<int> position) { record_.queue_position = position; }

  void add_waiter(DoneFn fn, bool coalesced);
  /// Moves every caller of `other` (a queued deploy replaced by this one,
  /// which covers it) to this run.
  void take_callers_from(DeployRun& other);
  uint64_t watch(common::Millis timeout, WatchFn fn);
  void unwatch(uint64_t key) { watchers_.erase(key); }
  /// Answers every caller with the record as it is now: final, or, for a
  /// deploy left queued for the next instance of reship-back, queued.
  void answer();

 private:
  struct Waiter {
    DoneFn fn;
    bool coalesced = false;
  };
  struct Watcher {
    WatchFn fn;
    std::unique_ptr<common::uv::Timer> timer;
  };
  // What asked the deploy to end before its time, and why.
  struct Ending {
    enum class Kind { cancel, interrupt };
    Kind kind;
    std::string reason;
  };

  /// Reads the work tree's source with git (deploy_source.cpp), then builds.
  void probe_source();
  void on_source(SourceProbe::Outcome outcome);
  /// The commit of the scope's last succeeded deploy that has a source.
  std::optional<std::string> last_good_commit();
  void run_build();
  /// The build's cgroup (where one can be made) and environment marker.
  BuildContainment contain_build();
  /// The build succeeded (or there was none): the restarts, if any.
  void after_build();
  // By value: the build that reports it is destroyed in here.
  void on_build_done(BuildResult result);
  // A deploy with "reload": true, after its build (deploy_reload.cpp):
  // both daemons read the config, then the scope's restarts.
  void run_reload();
  void on_supervisor_reload(const ipc::ReloadDone& done);
  void fail_reload(const std::string& headline, const std::vector<std::string>& problems);
  void run_restarts();
  void on_restart_done(const ipc::RestartDone& done);
  void on_restarts_complete();
  void on_restart_failure(const common::Error& error);
  void finish(DeployStatus status, std::optional<std::string> summary);
  void note(const std::string& text);
  /// Ends a failed build: its diagnostics (what it wrote in its diagnostics
  /// folder first, then what its output says) and an errorSummary under
  /// `headline`.
  void fail_build(const std::string& headline);
  /// Where the build may write SARIF or GCC JSON (RESHIP_DIAGNOSTICS_DIR).
  std::filesystem::path diagnostics_dir() const;

  DeployContext& ctx_;
  DeployRecord record_;
  Phase phase_ = Phase::queued;
  std::optional<Ending> ending_;
  int64_t created_mono_;
  int64_t started_mono_ = 0;
  std::optional<int64_t> build_ms_;
  std::unique_ptr<DeployLog> log_;
  std::unique_ptr<BuildProcess> build_;
  std::unique_ptr<SourceProbe> source_;
  std::vector<std::string> restart_failures_;
  bool reloaded_ = false;  // the config has been reloaded: on to the restarts
  std::vector<Waiter> waiters_;
  std::map<uint64_t, Watcher> watchers_;
  uint64_t next_watcher_ = 1;
  EndFn on_end_;
};

}  // namespace reship::back
