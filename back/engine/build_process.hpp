#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/text/line_splitter.hpp"
#include "back/store/log_store.hpp"
#include "common/os/child_reaper.hpp"
#include "common/duration.hpp"
#include "common/os/process_cgroup.hpp"
#include "common/os/process_spawn.hpp"
#include "common/os/uv_handles.hpp"
#include "common/os/uv_stream.hpp"

namespace reship::back {

/// Receives a build's output, one read at a time: begin, each line, end.
class BuildOutput {
 public:
  virtual ~BuildOutput() = default;
  virtual void begin_read(LogStream stream, int64_t at_ms) = 0;
  virtual void line(std::string_view text) = 0;
  virtual void end_read() = 0;
};

/// How a build ended.
struct BuildResult {
  int wait_status = 0;     // of the main process
  bool started = false;    // false: spawn_error says why
  std::string spawn_error;
  bool timed_out = false;
  bool cancelled = false;
  bool killed = false;     // the group needed SIGKILL
  /// How many processes the build left running when its main process
  /// exited (stopped then).
  int leftovers = 0;
  /// "out of memory: the build's cgroup hit memory.limit_in_bytes (64 MiB)",
  /// when the kernel's OOM killer took a process from the build's cgroup.
  std::optional<std::string> cgroup_oom;
};

/// What holds a build's processes besides its process group: a cgroup where
/// one could be made (nothing escapes it), and in any case the environment
/// entry every process it starts inherits ("RESHIP_DEPLOY_ID=..."), for
/// those that left the group with setsid().
struct BuildContainment {
  std::unique_ptr<common::ProcessCgroup> cgroup;
  std::string env_marker;
};

/// One build: its command in `workdir`, in a process group (and a cgroup,
/// where one can be made) of its own, with stdout and stderr split into
/// lines. The build ends when its main process exits; whatever it left in
/// its group or cgroup is then stopped (SIGTERM, SIGKILL after a grace), as
/// CI runners do, and what left both (setsid() without a cgroup) is found by
/// its environment and killed. A process outside that still holds the output
/// pipes cannot hold the deploy either. A timeout or a cancel stops the whole
/// build the same way.
class BuildProcess {
 public:
  using DoneFn = std::function<void(const BuildResult&)>;

  /// The grace between SIGTERM and SIGKILL when stopping a group.
  static constexpr common::Millis kStopGrace{5000};
  /// The size asked for the build's output pipes.
  static constexpr int kPipeBytes = 1024 * 1024;
  /// How long output pipes may stay open once the group is gone.
  static constexpr common::Millis kPipeGrace{2000};

  BuildProcess(uv_loop_t* loop, common::ChildReaper& reaper, BuildOutput& output, DoneFn done);
  ~BuildProcess();
  BuildProcess(const BuildProcess&) = delete;
  BuildProcess& operator=(const BuildProcess&) = delete;

  /// Starts `request` (its output fds are set here). `done` runs once, from
  /// the loop, even when the start fails.
  void start(common::SpawnRequest request, common::Millis timeout, BuildContainment containment);
  /// Stops the build: SIGTERM to its group, SIGKILL after kStopGrace.
  void cancel();
  /// After each reaping pass: the group may have emptied.
  void check_group();

  pid_t pgid() const { return pgid_; }
  bool running() const { return !finished_; }

 private:
  struct Pipe {
    common::uv::Stream stream;
    common::LineSplitter splitter;
    LogStream kind;
    bool open = false;
  };

  void on_exit(int status);
  void on_data(Pipe& pipe, std::string_view data);
  void on_pipe_end(Pipe& pipe);
  void stop_group();
  void signal_all(int sig);
  bool all_gone() const;
  void maybe_finish();
  void finish();

  uv_loop_t* loop_;
  common::ChildReaper& reaper_;
  BuildOutput& output_;
  DoneFn done_;
  BuildResult result_;
  BuildContainment containment_;
  std::string oom_events_before_;
  pid_t pid_ = 0;
  pid_t pgid_ = 0;
  bool main_exited_ = false;
  bool group_gone_ = false;
  bool stopping_ = false;
  bool finished_ = false;
  Pipe out_;
  Pipe err_;
  common::uv::Timer timeout_timer_;
  common::uv::Timer kill_timer_;
  common::uv::Timer pipe_timer_;
  common::uv::Timer defer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace reship::back
