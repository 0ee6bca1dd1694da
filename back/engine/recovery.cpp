// DeployService at start-up: what a crash or a restart of reship-back left
// behind becomes true again.

#include <algorithm>

#include <spdlog/spdlog.h>

#include "back/engine/deploy_service.hpp"
#include "common/os/leftovers.hpp"
#include "common/time.hpp"

namespace reship::back {

namespace {

// What the end of a deploy's log says about it: its last line's time, and
// the status of reship's own closing line "deploy STATUS after N s" if the
// deploy got that far (told by the line's stream, which a build cannot
// forge, not by its text alone).
struct LogEvidence {
  int64_t last_at_ms = 0;
  std::optional<DeployStatus> ended;
  int64_t ended_at_ms = 0;
};

LogEvidence read_evidence(const LogStore& logs, const std::string& id, int64_t size) {
  LogEvidence out;
  for (const LogLine& line : logs.lines(id, std::max<int64_t>(0, size - 16384), 1000)) {
    out.last_at_ms = std::max(out.last_at_ms, line.at_ms);
    if (line.stream != LogStream::reship) continue;
    static constexpr std::string_view kPrefix = "[reship] deploy ";
    const std::string_view text = line.text;
    if (!text.starts_with(kPrefix)) continue;
    const std::string_view rest = text.substr(kPrefix.size());
    const size_t space = rest.find(' ');
    if (space == std::string_view::npos || !rest.substr(space).starts_with(" after ")) continue;
    if (auto status = parse_status(rest.substr(0, space)); status && is_final(*status)) {
      out.ended = status;
      out.ended_at_ms = line.at_ms;
    }
  }
  return out;
}

}  // namespace

void DeployService::recover() {
  std::vector<DeployRecord> never_started;
  for (DeployRecord& r : records_.store().unfinished()) {
    if (r.status == DeployStatus::queued && !r.started_at) {
      never_started.push_back(std::move(r));
      continue;
    }
    const std::string was = status_name(r.status);
    const int killed = common::kill_processes_with_env("RESHIP_DEPLOY_ID=" + r.id);
    int64_t size = 0;
    if (logs_.read(r.id, 0, 0, &size)) r.log_bytes = size;
    const LogEvidence evidence = read_evidence(logs_, r.id, size);
    r.queue_position.reset();
    r.build_pgid = 0;
    if (evidence.ended) {
      // It ended, and its caller may have been told so, but the record of it
      // was never saved (a full disk): the log's own closing line wins.
      r.status = *evidence.ended;
      r.finished_at = evidence.ended_at_ms;
      if (r.started_at) r.duration_ms = std::max<int64_t>(0, evidence.ended_at_ms - *r.started_at);
      if (r.status != DeployStatus::succeeded && !r.error_summary) {
        r.error_summary = std::string("the deploy ") + status_name(r.status) +
                          " (its log says so) but reship-back stopped before its record was saved: see its log";
      }
      records_.save(r);
      spdlog::warn("deploy {}: its record said {}, its log says it {}; recorded as such", r.id, was,
                   status_name(r.status));
      events_.done(r);
      continue;
    }
    r.status = DeployStatus::interrupted;
    r.finished_at = common::unix_ms();
    // As far as known: until its log's last line.
    if (r.started_at && evidence.last_at_ms > *r.started_at) r.duration_ms = evidence.last_at_ms - *r.started_at;
    r.error_summary = "reship-back stopped while this deploy was " + was + "; it did not finish" +
                      (killed > 0 ? " (" + std::to_string(killed) + " leftover build processes were stopped)" : "");
    records_.save(r);
    spdlog::warn("deploy {}: marked interrupted (it was {} when reship-back stopped)", r.id, was);
    events_.done(r);
  }
  for (DeployRecord& r : records_.store().self_restart_pending()) {
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

void DeployService::resume(DeployRecord record) {
  spdlog::info("deploy {}: queued before reship-back restarted; running it now", record.id);
  // Its time in the queue spans the restart: count it from the record.
  const int64_t created_mono = common::monotonic_ms() - std::max<int64_t>(0, common::unix_ms() - record.created_at);
  // Its lane as the config says now (a lane may have been added since).
  record.lane = config_.lane_of(record.scope);
  DeployQueue& queue = lane_queue(record.lane);
  const QueueEntry entry{record.id, record.scope, record.mode, record.targets, record.reload};
  const auto decision = queue.decide(entry, false);
  if (decision.action == DeployQueue::Decision::Action::coalesce) {
    // Two leftovers where one covers the other: the covered one is done by
    // the other.
    record.superseded_by = decision.joined_id;
    auto run = make_run(std::move(record), created_mono);
    run->end(DeployStatus::cancelled, "covered by deploy " + decision.joined_id + " after a restart");
    return;
  }
  queue.apply(decision, entry);
  auto run = make_run(std::move(record), created_mono);
  if (decision.replaced_id) replace_queued(*run, decision);
  if (decision.action == DeployQueue::Decision::Action::start) begin(*run);
}

}  // namespace reship::back
