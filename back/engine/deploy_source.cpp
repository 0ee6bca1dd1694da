// DeployRun's first step when it builds: what the work tree holds (record
// "source") and what changed since the scope's last good deploy
// ("sinceLastGood"), read with git before the build starts (SourceProbe).

#include <spdlog/spdlog.h>

#include "back/engine/deploy_run.hpp"

namespace reship::back {
namespace {

// How far back the scope's last succeeded deploy with a source is looked for.
constexpr int kLastGoodSearch = 50;

}  // namespace

std::optional<std::string> DeployRun::last_good_commit() {
  DeployStore::ListQuery query;
  query.status = DeployStatus::succeeded;
  query.scope = record_.scope;
  query.limit = kLastGoodSearch;
  for (const auto& r : ctx_.records.list(query).deploys) {
    if (r.source) return r.source->commit;
  }
  return std::nullopt;
}

void DeployRun::probe_source() {
  std::weak_ptr<DeployRun> weak = weak_from_this();
  source_ = std::make_unique<SourceProbe>(
      ctx_.loop, ctx_.reaper, ctx_.config.back.workdir, last_good_commit(), "RESHIP_DEPLOY_ID=" + record_.id,
      [weak](SourceProbe::Outcome outcome) {
        auto self = weak.lock();
        if (!self) return;
        self->on_source(std::move(outcome));
      });
  source_->start();
}

void DeployRun::on_source(SourceProbe::Outcome outcome) {
  record_.source = std::move(outcome.source);
  record_.since_last_good = std::move(outcome.since_last_good);
  if (record_.source) {
    const auto& s = *record_.source;
    note("source: " + s.commit.substr(0, 12) + (s.branch ? " on " + *s.branch : std::string(" (detached)")) +
         (s.dirty ? ", " + std::to_string(s.changed_files) + " changed files" : std::string()));
    ctx_.records.save(record_);
  }
  // The probe is released a turn later: this runs inside its last callback.
  if (ending_) {
    BuildResult stopped;
    stopped.cancelled = true;
    on_build_done(stopped);
    return;
  }
  run_build();
}

}  // namespace reship::back
