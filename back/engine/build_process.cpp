#include "back/engine/build_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "back/diagnostics/oom.hpp"
#include "common/os/leftovers.hpp"
#include "common/time.hpp"

namespace reship::back {

BuildProcess::BuildProcess(uv_loop_t* loop, common::ChildReaper& reaper, BuildOutput& output, DoneFn done)
    : loop_(loop),
      reaper_(reaper),
      output_(output),
      done_(std::move(done)),
      timeout_timer_(loop),
      kill_timer_(loop),
      pipe_timer_(loop),
      defer_(loop) {
  out_.kind = LogStream::out;
  err_.kind = LogStream::err;
}

BuildProcess::~BuildProcess() {
  if (pid_ > 0 && !main_exited_) reaper_.unwatch(pid_);
  // Only when the owner goes away mid-build (shutdown): leave nothing running.
  if (pgid_ > 0 && !group_gone_) {
    signal_all(SIGKILL);
    if (!containment_.cgroup && !containment_.env_marker.empty()) {
      common::kill_processes_with_env(containment_.env_marker);
    }
  }
}

void BuildProcess::start(common::SpawnRequest request, common::Millis timeout, BuildContainment containment) {
  containment_ = std::move(containment);
  if (containment_.cgroup) {
    request.cgroup_procs_fd = containment_.cgroup->procs_fd();
    oom_events_before_ = containment_.cgroup->oom_events();
  }
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    result_.spawn_error = common::errno_error("cannot create a pipe").message;
    finish();
    return;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    result_.spawn_error = common::errno_error("cannot create a pipe").message;
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    finish();
    return;
  }
  // A big pipe lets a chatty build write ahead while the log is being
  // written, instead of blocking every 64 KiB (the kernel caps the size at
  // /proc/sys/fs/pipe-max-size; failing to grow it is harmless).
  ::fcntl(out_pipe[1], F_SETPIPE_SZ, kPipeBytes);
  ::fcntl(err_pipe[1], F_SETPIPE_SZ, kPipeBytes);
  request.stdout_fd = out_pipe[1];
  request.stderr_fd = err_pipe[1];
  auto pid = common::spawn_process(request);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  for (auto [pipe, fd] : {std::pair{&out_, out_pipe[0]}, std::pair{&err_, err_pipe[0]}}) {
    auto stream = common::uv::Stream::open_fd(loop_, fd);
    if (!stream) continue;
    pipe->stream = std::move(*stream);
    pipe->open = true;
    Pipe* p = pipe;
    pipe->stream.read_start([this, p](std::string_view data) { on_data(*p, data); },
                            [this, p](int) { on_pipe_end(*p); });
  }
  if (!pid) {
    result_.spawn_error = pid.error().message;
    main_exited_ = true;
    group_gone_ = true;
    // The pipes close at once: nothing holds their other ends.
    maybe_finish();
    return;
  }
  result_.started = true;
  pid_ = pgid_ = *pid;
  std::weak_ptr<bool> alive = alive_;
  reaper_.watch(pid_, [this, alive](pid_t, int status) {
    if (!alive.expired()) on_exit(status);
  });
  timeout_timer_.start(timeout, [this] {
    spdlog::warn("build {} ran past its timeout; stopping its process group", pid_);
    result_.timed_out = true;
    stop_group();
  });
}

void BuildProcess::on_data(Pipe& pipe, std::string_view data) {
  output_.begin_read(pipe.kind, common::unix_ms());
  pipe.splitter.feed(data, [this](std::string_view line) { output_.line(line); });
  output_.end_read();
}

void BuildProcess::on_pipe_end(Pipe& pipe) {
  if (!pipe.open) return;
  pipe.open = false;
  if (pipe.splitter.pending() > 0) {
    output_.begin_read(pipe.kind, common::unix_ms());
    pipe.splitter.finish([this](std::string_view line) { output_.line(line); });
    output_.end_read();
  }
  pipe.stream.close();
  maybe_finish();
}

void BuildProcess::on_exit(int status) {
  main_exited_ = true;
  result_.wait_status = status;
  timeout_timer_.stop();
  if (auto& cgroup = containment_.cgroup) {
    result_.cgroup_oom = back::diagnostics::cgroup_oom_message(
        cgroup->kind() == common::ProcessCgroup::Kind::v2 ? diagnostics::CgroupVersion::v2
                                                           : diagnostics::CgroupVersion::v1,
        oom_events_before_, cgroup->oom_events(), cgroup->memory_limited() ? cgroup->memory_limit_text() : "");
    result_.leftovers = static_cast<int>(cgroup->pids().size());
  } else if (!containment_.env_marker.empty()) {
    // Without a cgroup, what called setsid() is found by its environment;
    // what stayed in the group is stopped below, with a grace.
    result_.leftovers = common::kill_processes_with_env(containment_.env_marker, pgid_);
  }
  check_group();
  if (!group_gone_ && !stopping_) {
    // The build is over; what it started in the background is not wanted.
    spdlog::debug("build {} exited and left processes running; stopping them", pid_);
    stop_group();
  }
}

void BuildProcess::signal_all(int sig) {
  ::kill(-pgid_, sig);
  // Once each: the group has had it.
  if (containment_.cgroup) containment_.cgroup->signal_all(sig, pgid_);
}

bool BuildProcess::all_gone() const {
  if (!common::process_group_empty(pgid_)) return false;
  return !containment_.cgroup || containment_.cgroup->empty();
}

void BuildProcess::stop_group() {
  if (stopping_ || group_gone_) return;
  stopping_ = true;
  signal_all(SIGTERM);
  ::kill(-pgid_, SIGCONT);
  kill_timer_.start(kStopGrace, [this] {
    signal_all(SIGKILL);
    result_.killed = true;
    // Processes that are not our children would never be reported gone.
    if (main_exited_) {
      group_gone_ = true;
      maybe_finish();
    }
  });
}

void BuildProcess::cancel() {
  // Once the main process has exited, the build's outcome is known: what is
  // left is only cleanup, which a cancel would not change.
  if (finished_ || main_exited_) return;
  result_.cancelled = true;
  stop_group();
}

void BuildProcess::check_group() {
  if (group_gone_ || !main_exited_ || pgid_ <= 0) return;
  if (!all_gone()) return;
  group_gone_ = true;
  kill_timer_.stop();
  maybe_finish();
}

void BuildProcess::maybe_finish() {
  if (finished_ || !main_exited_ || !group_gone_) return;
  if (!out_.open && !err_.open) {
    pipe_timer_.stop();
    finish();
    return;
  }
  // Something outside the group (a daemon that called setsid) still holds
  // the output: give it a moment to flush, then stop listening.
  if (!pipe_timer_.active()) {
    pipe_timer_.start(kPipeGrace, [this] {
      for (Pipe* p : {&out_, &err_}) on_pipe_end(*p);
    });
  }
}

void BuildProcess::finish() {
  if (finished_) return;
  finished_ = true;
  // One that left the group while it was being stopped.
  if (result_.started && !containment_.cgroup && !containment_.env_marker.empty()) {
    result_.leftovers += common::kill_processes_with_env(containment_.env_marker);
  }
  timeout_timer_.stop();
  kill_timer_.stop();
  // Reported from a timer of its own, so that the owner may destroy this
  // object in `done` without pulling it from under a callback still running.
  defer_.start(common::Millis(0), [this] {
    auto done = std::move(done_);
    if (done) done(result_);
  });
}

}  // namespace reship::back
