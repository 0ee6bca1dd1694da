#include "back/engine/self_restart.hpp"

#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/time.hpp"

namespace reship::back {
namespace {

// How often a waiting reship-back asks whether the supervisor is back.
constexpr common::Millis kPollEvery{250};
// Beyond the services' own timeouts: the supervisor's start, Docker's or
// systemd's restart delay.
constexpr common::Millis kBounceSlack{30'000};

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

SelfRestart::SelfRestart(uv_loop_t* loop, const common::Config& config, Restarter& supervisor)
    : loop_(loop), config_(config), supervisor_(supervisor), timer_(loop) {}

bool SelfRestart::bounces_supervisor(const DeployRecord& record) {
  return contains(record.targets, common::kEdge);
}

bool SelfRestart::needed(const DeployRecord& record) const {
  return bounces_supervisor(record) || (!config_.back.service.empty() && contains(record.targets, config_.back.service));
}

common::Millis SelfRestart::bounce_limit() const {
  common::Millis stop{0};
  common::Millis start{0};
  for (const auto& s : config_.services) {
    stop = std::max(stop, s.stop_timeout);
    start = std::max(start, s.ready_timeout);
  }
  return stop + start + kBounceSlack;
}

std::vector<std::string> SelfRestart::services_to_watch(const DeployRecord& record) const {
  std::vector<std::string> names;
  for (const auto& t : record.targets) {
    if (t != common::kEdge) names.push_back(t);
  }
  return names;
}

void SelfRestart::request(const DeployRecord& record, DoneFn done) {
  const bool edge = bounces_supervisor(record);
  // The supervisor stops every service when it bounces, this one included.
  std::vector<std::string> targets{edge ? std::string(common::kEdge) : config_.back.service};
  // Outside the supervisor, this process sees the bounce through.
  const bool stays = config_.back.service.empty();
  const std::string id = record.id;
  const std::vector<std::string> watch = services_to_watch(record);
  std::weak_ptr<bool> alive = alive_;
  timer_.start(common::Millis(0), [this, alive, targets, id, stays, watch, done = std::move(done)] {
    spdlog::info("deploy {}: asking the supervisor to restart {}", id, targets[0]);
    const int64_t started = common::monotonic_ms();
    auto exiting_pid = std::make_shared<int>(0);
    Restarter::Handlers h;
    h.on_done = [exiting_pid](const ipc::RestartDone& d) {
      if (d.exiting && d.pid) *exiting_pid = *d.pid;
    };
    h.on_complete = [this, alive, watch, started, stays, exiting_pid, done](const ipc::RestartComplete&) {
      if (alive.expired() || !stays) return;
      spdlog::info("the supervisor (pid {}) is bouncing; waiting for it to come back", *exiting_pid);
      poll(watch, *exiting_pid, started, started + bounce_limit().count(), done);
    };
    h.on_failure = [alive, id, done, started](const common::Error& error) {
      if (alive.expired()) return;
      spdlog::error("deploy {}: self-restart failed: {}", id, error.message);
      done({false, "self-restart failed: " + error.message, common::monotonic_ms() - started, std::nullopt});
    };
    supervisor_.restart(targets, std::move(h));
  });
}

void SelfRestart::learn(const DeployRecord& record, DoneFn done) {
  // Time since the deploy was answered, as far as the record knows.
  const int64_t took = record.finished_at ? std::max<int64_t>(0, common::unix_ms() - *record.finished_at) : 0;
  if (!bounces_supervisor(record)) {
    done({true, "", took, std::nullopt});
    return;
  }
  const int64_t now = common::monotonic_ms();
  poll(services_to_watch(record), 0, now - took, now + bounce_limit().count(), std::move(done));
}

struct SelfRestart::Poll {
  std::vector<std::string> targets;
  int old_pid = 0;
  int64_t started_ms = 0;
  int64_t deadline_ms = 0;
  DoneFn done;
  common::uv::Timer timer;
};

void SelfRestart::poll(std::vector<std::string> targets, int old_pid, int64_t started_ms, int64_t deadline_ms,
                       DoneFn done) {
  auto p = std::make_shared<Poll>(Poll{std::move(targets), old_pid, started_ms, deadline_ms, std::move(done),
                                       common::uv::Timer(loop_)});
  polls_.push_back(p);
  ask(p);
}

void SelfRestart::ask(const std::shared_ptr<Poll>& p) {
  std::weak_ptr<bool> alive = alive_;
  supervisor_.status([this, alive, p](common::Result<ipc::StatusReply> status) {
    if (alive.expired()) return;
    std::string waiting;
    if (!status) {
      waiting = status.error().message;
    } else if (p->old_pid != 0 && status->supervisor.pid == p->old_pid) {
      waiting = "the supervisor (pid " + std::to_string(p->old_pid) + ") has not exited yet";
    } else {
      for (const auto& name : p->targets) {
        auto it = std::find_if(status->services.begin(), status->services.end(),
                               [&](const ipc::ServiceStatus& s) { return s.name == name; });
        if (it == status->services.end()) {
          waiting = "the supervisor no longer runs " + name;
        } else if (it->state != "running") {
          waiting = name + " is " + it->state;
        }
        if (!waiting.empty()) break;
      }
    }
    const int64_t now = common::monotonic_ms();
    if (!waiting.empty() && now < p->deadline_ms) {
      std::weak_ptr<Poll> weak = p;
      p->timer.start(kPollEvery, [this, weak] {
        if (auto again = weak.lock()) ask(again);
      });
      return;
    }
    SelfRestartOutcome outcome;
    outcome.ok = waiting.empty();
    outcome.took_ms = now - p->started_ms;
    if (status) outcome.status = std::move(*status);
    if (!outcome.ok) {
      outcome.error = "the supervisor did not come back with every service running within " +
                      common::format_duration(common::Millis(p->deadline_ms - p->started_ms)) + " (" + waiting + ")";
    }
    polls_.erase(std::remove(polls_.begin(), polls_.end(), p), polls_.end());
    p->done(outcome);
  });
}

void SelfRestart::complete(DeployRecord& record, const SelfRestartOutcome& outcome, int own_pid) const {
  record.self_restart = outcome.ok ? "done" : "failed";
  if (!outcome.ok) {
    record.error_summary = (record.error_summary ? *record.error_summary + "\n" : "") + outcome.error;
  }
  const bool edge = bounces_supervisor(record);
  if (edge && outcome.status) {
    // The services restarted before the bounce were restarted again with
    // the supervisor: the pids that count are those they have now.
    for (auto& entry : record.restarts) {
      for (const auto& s : outcome.status->services) {
        if (s.name == entry.service && s.pid) entry.pid = s.pid;
      }
    }
  }
  const bool own = !config_.back.service.empty() && contains(record.targets, config_.back.service);
  if (own) {
    record.restarts.push_back({config_.back.service, outcome.ok, own_pid, outcome.took_ms, outcome.ok ? "" : outcome.error, false, "", "", ""});
  }
  if (edge) {
    std::optional<int> pid;
    if (outcome.status) pid = outcome.status->supervisor.pid;
    record.restarts.push_back({std::string(common::kEdge), outcome.ok, pid, outcome.took_ms,
                               outcome.ok ? "" : outcome.error, false, "", "", ""});
  }
}

}  // namespace reship::back
