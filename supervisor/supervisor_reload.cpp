// Config reload (issue 22): the new file is loaded and checked in full
// before anything changes; then the services it adds are started, those it
// drops stopped, those it changes restarted with their new definition, and
// the rest left alone. One reload runs at a time.
#include <algorithm>
#include <map>

#include <spdlog/spdlog.h>

#include "common/time.hpp"
#include "supervisor/config_diff.hpp"
#include "supervisor/supervisor.hpp"

namespace reship::supervisor {

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// A changed service that no process runs (stopped, or ended under its
// restart policy) is not started by a reload: its next start uses the new
// definition.
bool runs(const Service& s) {
  return s.state() != ServiceState::stopped && s.state() != ServiceState::exited;
}

}  // namespace

struct Supervisor::ReloadRun {
  ReloadRequest request;
  ipc::ReloadDone outcome;
  int64_t started_ms = 0;
  size_t remaining = 0;  // starts, stops and restarts still going
};

void Supervisor::reload(bool defer_restarts, std::function<void(const ipc::ReloadDone&)> done) {
  reloads_.push_back({defer_restarts, std::move(done)});
  if (!reloading_) run_next_reload();
}

void Supervisor::run_next_reload() {
  if (shutting_down_) {
    while (!reloads_.empty()) {
      ipc::ReloadDone refused;
      refused.problems.push_back("the supervisor is shutting down; nothing was reloaded");
      if (auto done = std::move(reloads_.front().done)) done(refused);
      reloads_.pop_front();
    }
    return;
  }
  if (reloads_.empty()) return;
  reloading_ = true;
  auto run = std::make_shared<ReloadRun>();
  run->request = std::move(reloads_.front());
  reloads_.pop_front();
  run->started_ms = common::monotonic_ms();
  spdlog::info("reload: reading {}", config_.file.string());
  common::ConfigLoad load = common::load_config(config_.file);
  if (!load.problems.empty() || !load.config) {
    for (const auto& p : load.problems) run->outcome.problems.push_back(p.to_string());
    refuse_reload(run);
    return;
  }
  apply_reload(run, std::move(*load.config));
}

void Supervisor::apply_reload(const std::shared_ptr<ReloadRun>& run, common::Config next) {
  auto& out = run->outcome;
  out.needs_restart = supervisor_changes_needing_restart(config_.supervisor, next.supervisor);
  // Those stay as they are until the supervisor restarts.
  next.supervisor.socket = config_.supervisor.socket;
  next.supervisor.socket_mode = config_.supervisor.socket_mode;

  std::vector<const common::ServiceConfig*> running;
  for (const auto& s : services_) running.push_back(&s->definition());
  const ServiceDiff diff = diff_services(running, next.services);

  // Every socket the new definitions need is bound before anything changes:
  // an address that cannot be had refuses the whole reload.
  std::map<std::string, std::unique_ptr<ListenSockets>> sockets;
  auto prepare = [&](const std::string& name, const ListenSockets* held) {
    const auto* def = next.find_service(name);
    if (def->listen.empty()) return true;
    auto bound = ListenSockets::rebind(name, def->listen, held);
    if (!bound) {
      out.problems.push_back(next.file.string() + ":" + std::to_string(def->listen.front().line) + ": " +
                             bound.error().message);
      return false;
    }
    sockets[name] = std::move(*bound);
    return true;
  };
  bool ready = true;
  for (const auto& name : diff.added) ready = prepare(name, nullptr) && ready;
  for (const auto& name : diff.changed) ready = prepare(name, find(name)->definition_sockets()) && ready;
  if (!ready) {
    out.needs_restart.clear();
    refuse_reload(run);
    return;
  }

  control_.allow(next.supervisor.allow_uids);
  std::vector<Service*> to_start;
  std::vector<Service*> to_restart;
  for (const auto& name : diff.removed) {
    auto it = std::find_if(services_.begin(), services_.end(), [&](const auto& s) { return s->name() == name; });
    leaving_.push_back({std::move(*it), false});
    services_.erase(it);
  }
  for (const auto& name : diff.changed) {
    Service* s = find(name);
    s->redefine(*next.find_service(name), std::move(sockets[name]));
    if (run->request.defer_restarts || !runs(*s)) {
      out.changed.push_back(name);
    } else {
      to_restart.push_back(s);
    }
  }
  for (const auto& name : diff.added) {
    auto service = std::make_unique<Service>(context_, *next.find_service(name));
    if (auto& k = sockets[name]) service->set_sockets(std::move(k));
    if (service->config().autostart) to_start.push_back(service.get());
    services_.push_back(std::move(service));
  }
  out.unchanged = diff.unchanged;
  // The services in the order of the new file, as status lists them.
  std::vector<std::unique_ptr<Service>> ordered;
  for (const auto& sc : next.services) {
    auto it =
        std::find_if(services_.begin(), services_.end(), [&](const auto& s) { return s && s->name() == sc.name; });
    ordered.push_back(std::move(*it));
  }
  services_ = std::move(ordered);
  next.file = config_.file;
  next.dir = config_.dir;
  config_ = std::move(next);

  const size_t leaving_from = leaving_.size() - diff.removed.size();
  run->remaining = diff.removed.size() + to_start.size() + to_restart.size() + 1;  // + 1: this function
  auto one_done = [this, run](ipc::ReloadResult result) {
    run->outcome.results.push_back(std::move(result));
    if (--run->remaining == 0) end_reload(run);
  };
  for (size_t i = leaving_from; i < leaving_.size(); ++i) {
    Service& s = *leaving_[i].service;
    spdlog::info("reload: {} is no longer in the config; stopping it", s.name());
    const int64_t t0 = common::monotonic_ms();
    const std::optional<int> old_pid = s.pid() > 0 ? std::optional<int>(s.pid()) : std::nullopt;
    s.stop([this, one_done, t0, old_pid, service = &s, name = s.name()] {
      for (auto& l : leaving_) {
        if (l.service.get() == service) l.stopped = true;
      }
      prune_timer_.start(common::Millis(0), [this] { prune_leaving(); });
      one_done({name, "stopped", true, std::nullopt, old_pid, common::monotonic_ms() - t0, "", ""});
    });
    out.stopped.push_back(s.name());
  }
  for (Service* s : to_start) {
    spdlog::info("reload: {} is new; starting it", s->name());
    out.started.push_back(s->name());
    const int64_t t0 = common::monotonic_ms();
    s->start([one_done, t0, name = s->name()](const StartOutcome& o) {
      one_done({name, "started", o.ok, o.pid, std::nullopt, common::monotonic_ms() - t0, o.error, o.output});
    });
  }
  for (Service* s : to_restart) {
    spdlog::info("reload: {} has a new definition; restarting it", s->name());
    out.restarted.push_back(s->name());
    s->restart([one_done](const ipc::RestartDone& d) {
      one_done({d.service, "restarted", d.ok, d.pid, d.old_pid, d.duration_ms, d.error, d.output});
    });
  }
  for (const auto& name : out.changed) {
    spdlog::info("reload: {} has a new definition; it applies at its next start", name);
  }
  if (--run->remaining == 0) end_reload(run);
}

void Supervisor::refuse_reload(const std::shared_ptr<ReloadRun>& run) {
  for (const auto& p : run->outcome.problems) spdlog::warn("reload refused: {}", p);
  spdlog::warn("reload: nothing changed; the supervisor goes on with the config it runs");
  end_reload(run);
}

void Supervisor::end_reload(const std::shared_ptr<ReloadRun>& run) {
  auto& out = run->outcome;
  out.ok = out.problems.empty() &&
           std::all_of(out.results.begin(), out.results.end(), [](const auto& r) { return r.ok; });
  out.duration_ms = common::monotonic_ms() - run->started_ms;
  if (out.problems.empty()) {
    spdlog::info("reload: done in {} ms; started [{}], stopped [{}], restarted [{}], changed [{}], unchanged [{}]",
                 out.duration_ms, join(out.started), join(out.stopped), join(out.restarted), join(out.changed),
                 join(out.unchanged));
    for (const auto& n : out.needs_restart) spdlog::warn("reload: {}", n);
  }
  reloading_ = false;
  if (run->request.done) run->request.done(out);
  run_next_reload();
}

void Supervisor::prune_leaving() {
  leaving_.erase(std::remove_if(leaving_.begin(), leaving_.end(), [](const Leaving& l) { return l.stopped; }),
                 leaving_.end());
}

}  // namespace reship::supervisor
