#pragma once

#include <uv.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "back/engine/build_process.hpp"
#include "back/source_info.hpp"
#include "common/os/child_reaper.hpp"

namespace reship::back {

/// Runs git in `workdir` as child processes on the loop (BuildProcess: a
/// process group of their own, a timeout, never blocking the loop), one
/// step after the other, and reports once. Not a work tree, no git, no
/// commit yet, or a step that fails or times out: no source (and a line in
/// the daemon's log for what was not expected).
class SourceProbe {
 public:
  struct Outcome {
    std::optional<SourceInfo> source;
    std::optional<SinceLastGood> since_last_good;
  };
  using DoneFn = std::function<void(Outcome)>;

  /// The time one git step may take.
  static constexpr common::Millis kStepTimeout{5000};
  static constexpr size_t kMaxFiles = 50;

  /// `last_good`: the commit of the scope's last succeeded deploy, if any.
  /// `env_marker` ("RESHIP_DEPLOY_ID=...") goes into git's environment, so
  /// that recovery finds a git left behind by a crash as a build's.
  SourceProbe(uv_loop_t* loop, common::ChildReaper& reaper, std::filesystem::path workdir,
              std::optional<std::string> last_good, std::string env_marker, DoneFn done);
  ~SourceProbe();
  SourceProbe(const SourceProbe&) = delete;
  SourceProbe& operator=(const SourceProbe&) = delete;

  /// Starts the first step; `done` runs from the loop, once.
  void start();
  /// Stops the step under way; `done` then runs with what is known.
  void cancel();
  /// After each reaping pass (as BuildProcess::check_group).
  void check_group();

 private:
  class Lines;
  using StepFn = std::function<void(bool ok, std::vector<std::string> lines)>;
  void step(std::vector<std::string> args, StepFn next);
  void finish();

  uv_loop_t* loop_;
  common::ChildReaper& reaper_;
  std::filesystem::path workdir_;
  std::optional<std::string> last_good_;
  std::string env_marker_;
  DoneFn done_;
  std::string git_;
  Outcome outcome_;
  std::vector<std::string> dirty_paths_;
  std::unique_ptr<Lines> lines_;
  std::unique_ptr<BuildProcess> process_;
  std::vector<std::string> step_args_;
  bool cancelled_ = false;
  common::uv::Timer defer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace reship::back
