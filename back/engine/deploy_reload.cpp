// A deploy with "reload": true (issue 22): after its build and before its
// restarts, reship-back checks the config file, the supervisor reloads it
// (services added start, services removed stop, changed ones wait for their
// restart, which this deploy's scope then gives them), and reship-back
// applies it. A file with problems fails the deploy and changes nothing.

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "back/diagnostics/analyzer.hpp"
#include "back/engine/deploy_run.hpp"
#include "back/engine/error_summary.hpp"
#include "common/time.hpp"

namespace reship::back {

namespace {

// "PATH:LINE: message" as a diagnostic an agent can go to.
diagnostics::Diagnostic config_diagnostic(const std::string& problem) {
  diagnostics::Diagnostic d;
  d.tool = "reship";
  d.message = problem;
  for (size_t colon = problem.find(':'); colon != std::string::npos; colon = problem.find(':', colon + 1)) {
    size_t end = colon + 1;
    while (end < problem.size() && std::isdigit(static_cast<unsigned char>(problem[end]))) ++end;
    if (end > colon + 1 && problem.compare(end, 2, ": ") == 0) {
      d.file = problem.substr(0, colon);
      d.line = std::stoi(problem.substr(colon + 1, end - colon - 1));
      d.message = problem.substr(end + 2);
      break;
    }
  }
  return d;
}

}  // namespace

void DeployRun::run_reload() {
  DeployRecord& r = record_;
  phase_ = Phase::restarting;
  r.status = DeployStatus::restarting;
  ctx_.records.save(r);
  if (!ctx_.reload_config) {
    fail_reload("this reship-back cannot reload its config", {});
    return;
  }
  // Checked first, so that a file the supervisor would take but reship-back
  // would not changes neither.
  const ConfigReload checked = ctx_.reload_config(false);
  if (!checked.ok()) {
    fail_reload("the config has problems", checked.problems);
    return;
  }
  note("reload: the supervisor reads the config again");
  std::weak_ptr<DeployRun> weak = weak_from_this();
  ctx_.restarter.reload([weak](common::Result<ipc::ReloadDone> done) {
    auto self = weak.lock();
    if (!self || self->phase_ != Phase::restarting || self->reloaded_) return;
    if (!done) {
      self->note(done.error().message);
      self->finish(DeployStatus::failed, cap_summary(done.error().message + "; the build succeeded but nothing was "
                                                                            "reloaded or restarted"));
      return;
    }
    self->on_supervisor_reload(*done);
  });
}

void DeployRun::on_supervisor_reload(const ipc::ReloadDone& done) {
  DeployRecord& r = record_;
  if (!done.problems.empty()) {
    fail_reload("the supervisor refused the config", done.problems);
    return;
  }
  std::vector<std::string> failed;
  std::vector<std::string> fresh;  // started by the reload: nothing to restart
  for (const auto& result : done.results) {
    r.restarts.push_back(restart_entry(result));
    if (result.ok) {
      note("reload: " + result.service + " " + result.action +
           (result.pid ? ", pid " + std::to_string(*result.pid) : std::string()));
      if (result.action == "started") fresh.push_back(result.service);
    } else {
      note("reload: " + result.service + " failed to " + (result.action == "started" ? "start" : "stop") + ": " +
           result.error);
      failed.push_back(result.service + ": " + result.error);
    }
  }
  for (const auto& n : done.needs_restart) r.reload_needs_restart.push_back("reship-supervisor: " + n);
  const ConfigReload applied = ctx_.reload_config(true);
  if (!applied.ok()) {
    // The file changed again since the check: what the supervisor did stands.
    fail_reload("the config changed during the deploy and now has problems", applied.problems);
    return;
  }
  for (const auto& n : applied.needs_restart) r.reload_needs_restart.push_back("reship-back: " + n);
  for (const auto& n : r.reload_needs_restart) note("reload: needs a restart: " + n);
  note("reload: reship-back " +
       (applied.changed.empty() ? std::string("found nothing of its own changed")
                                : fmt::format("applied {}", fmt::join(applied.changed, ", "))));
  if (!failed.empty()) {
    finish(DeployStatus::failed,
           cap_summary("the reload's services failed: " + fmt::format("{}", fmt::join(failed, "; "))));
    return;
  }
  // The scope as the new file defines it, but for what the reload just
  // started; edge only if the request could bounce it (the record keeps
  // that as edge among its targets).
  const bool edge = std::find(r.targets.begin(), r.targets.end(), common::kEdge) != r.targets.end();
  r.targets = scope_targets(ctx_.config, r.scope, edge);
  std::erase_if(r.targets,
                [&](const std::string& t) { return std::find(fresh.begin(), fresh.end(), t) != fresh.end(); });
  ctx_.records.save(r);
  reloaded_ = true;
  after_build();
}

void DeployRun::fail_reload(const std::string& headline, const std::vector<std::string>& problems) {
  for (const auto& p : problems) {
    note("reload: " + p);
    if (record_.diagnostics.size() < diagnostics::Analyzer::kMaxDiagnostics) {
      record_.diagnostics.push_back(config_diagnostic(p));
    }
  }
  std::string summary = headline + "; nothing was reloaded or restarted";
  if (!problems.empty()) summary += ":\n" + fmt::format("{}", fmt::join(problems, "\n"));
  finish(DeployStatus::failed, cap_summary(summary));
}

}  // namespace reship::back
