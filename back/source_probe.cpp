#include "back/source_probe.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/os/process_spawn.hpp"
#include "common/text/escape.hpp"

namespace reship::back {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool is_hash(std::string_view text) {
  return text.size() == 40 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// "HEAD -> main, origin/main" -> "main"; a detached HEAD has none.
std::optional<std::string> branch_of(std::string_view refs) {
  constexpr std::string_view kHead = "HEAD -> ";
  if (refs.substr(0, kHead.size()) != kHead) return std::nullopt;
  refs.remove_prefix(kHead.size());
  return std::string(refs.substr(0, refs.find(", ")));
}

// A path of `git status --porcelain` ("XY path", "R  old -> new"), with
// git's quotes taken off.
std::string status_path(std::string_view line) {
  std::string_view path = line.size() > 3 ? line.substr(3) : std::string_view();
  if (auto arrow = path.find(" -> "); arrow != std::string_view::npos) path.remove_prefix(arrow + 4);
  if (path.size() >= 2 && path.front() == '"' && path.back() == '"') path = path.substr(1, path.size() - 2);
  return std::string(path);
}

}  // namespace

/// Keeps the lines a step printed on stdout.
class SourceProbe::Lines final : public BuildOutput {
 public:
  void begin_read(LogStream stream, int64_t) override { stdout_ = stream == LogStream::out; }
  void line(std::string_view text) override {
    if (stdout_ && lines.size() < 100'000) lines.emplace_back(text);
    if (!stdout_ && first_error.empty()) first_error = text.substr(0, 300);
  }
  void end_read() override {}
  std::vector<std::string> lines;
  std::string first_error;

 private:
  bool stdout_ = false;
};

SourceProbe::SourceProbe(uv_loop_t* loop, common::ChildReaper& reaper, std::filesystem::path workdir,
                         std::optional<std::string> last_good, std::string env_marker, DoneFn done)
    : loop_(loop),
      reaper_(reaper),
      workdir_(std::move(workdir)),
      last_good_(std::move(last_good)),
      env_marker_(std::move(env_marker)),
      done_(std::move(done)),
      defer_(loop) {}

SourceProbe::~SourceProbe() = default;

void SourceProbe::start() {
  const std::string path = common::get_env(common::current_environment({}), "PATH");
  auto git = common::resolve_command("git", workdir_, path.empty() ? kDefaultPath : path);
  if (!git) {
    spdlog::debug("no git to read the source with: {}", git.error().message);
    // Answered from the loop, as every other outcome.
    defer_.start(common::Millis(0), [this] { finish(); });
    return;
  }
  git_ = *git;
  // HEAD: its hash, its refs (for the branch) and its subject.
  step({"log", "-1", "--format=%H%n%D%n%s"}, [this](bool ok, std::vector<std::string> head) {
    if (!ok || head.empty() || !is_hash(head[0])) return finish();
    SourceInfo source;
    source.commit = head[0];
    if (head.size() > 1) source.branch = branch_of(head[1]);
    if (head.size() > 2) source.message = head[2];
    outcome_.source = std::move(source);
    step({"--no-optional-locks", "status", "--porcelain"}, [this](bool status_ok, std::vector<std::string> status) {
      if (!status_ok) {
        outcome_.source.reset();
        return finish();
      }
      for (const auto& line : status) dirty_paths_.push_back(status_path(line));
      outcome_.source->changed_files = static_cast<int64_t>(dirty_paths_.size());
      outcome_.source->dirty = !dirty_paths_.empty();
      if (!last_good_) return finish();
      if (*last_good_ == outcome_.source->commit) {
        // Only the work tree's own changes.
        outcome_.since_last_good = SinceLastGood{*last_good_, {}, 0};
        return finish();
      }
      step({"diff", "--name-only", *last_good_, outcome_.source->commit},
           [this](bool diff_ok, std::vector<std::string> files) {
             // A last good commit that is gone (history rewritten) says
             // nothing of what changed since.
             if (diff_ok) outcome_.since_last_good = SinceLastGood{*last_good_, std::move(files), 0};
             finish();
           });
    });
  });
}

void SourceProbe::step(std::vector<std::string> args, StepFn next) {
  if (cancelled_) return finish();
  common::SpawnRequest request;
  request.program = git_;
  request.argv = {"git", "-c", "core.quotePath=false"};
  request.argv.insert(request.argv.end(), args.begin(), args.end());
  request.env = common::current_environment({"NOTIFY_SOCKET", "RESHIP_TOKEN", "LISTEN_FDS", "LISTEN_PID",
                                             "LISTEN_FDNAMES", "GIT_DIR", "GIT_WORK_TREE"});
  common::set_env(request.env, "GIT_TERMINAL_PROMPT", "0");
  common::set_env(request.env, "GIT_OPTIONAL_LOCKS", "0");
  common::set_env(request.env, "LC_ALL", "C");
  if (auto eq = env_marker_.find('='); eq != std::string::npos) {
    common::set_env(request.env, env_marker_.substr(0, eq), env_marker_.substr(eq + 1));
  }
  request.cwd = workdir_;
  step_args_ = std::move(args);
  lines_ = std::make_unique<Lines>();
  std::weak_ptr<bool> alive = alive_;
  process_ = std::make_unique<BuildProcess>(
      loop_, reaper_, *lines_, [this, alive, next = std::move(next)](const BuildResult& result) {
        if (alive.expired()) return;
        const bool ok = result.started && !result.timed_out && !result.cancelled && WIFEXITED(result.wait_status) &&
                        WEXITSTATUS(result.wait_status) == 0;
        if (result.timed_out) {
          spdlog::warn("git {} in {} took longer than {}: the deploy records no source", step_args_.front(),
                       workdir_.string(), common::format_duration(kStepTimeout));
        }
        // Not a work tree is the expected way to have no source; anything
        // else (a repository git will not read, as "dubious ownership") is
        // worth a line.
        const std::string& why = lines_->first_error;
        if (!ok && !result.timed_out && !cancelled_ && !why.empty() &&
            why.find("not a git repository") == std::string::npos) {
          spdlog::warn("git {} in {}: {}; the deploy records no source", step_args_.front(), workdir_.string(),
                       common::escape_controls(why));
        }
        std::vector<std::string> lines = std::move(lines_->lines);
        // The process ends after this callback returns: released a turn later.
        defer_.start(common::Millis(0), [this, ok, lines = std::move(lines), next]() mutable {
          process_.reset();
          lines_.reset();
          if (cancelled_) return finish();
          next(ok, std::move(lines));
        });
      });
  BuildContainment containment;
  containment.env_marker = env_marker_;
  process_->start(std::move(request), kStepTimeout, std::move(containment));
}

void SourceProbe::cancel() {
  cancelled_ = true;
  if (process_) process_->cancel();
}

void SourceProbe::check_group() {
  if (process_) process_->check_group();
}

void SourceProbe::finish() {
  if (!done_) return;
  if (outcome_.since_last_good) {
    // The commits' changes and the work tree's, each path once, in that order.
    auto& since = *outcome_.since_last_good;
    std::vector<std::string> all = std::move(since.files);
    for (const auto& path : dirty_paths_) {
      if (std::find(all.begin(), all.end(), path) == all.end()) all.push_back(path);
    }
    since.count = static_cast<int64_t>(all.size());
    if (all.size() > kMaxFiles) all.resize(kMaxFiles);
    since.files = std::move(all);
  }
  if (cancelled_) outcome_ = {};
  auto done = std::move(done_);
  done_ = nullptr;
  done(std::move(outcome_));
}

}  // namespace reship::back
