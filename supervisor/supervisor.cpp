#include "supervisor/supervisor.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/os/leftovers.hpp"
#include "common/os/sd_notify.hpp"
#include "common/time.hpp"
#include "reship/version.hpp"
#include "supervisor/notify_socket.hpp"
#include "supervisor/restart_plan.hpp"

namespace reship::supervisor {

namespace {

// The loop ends by itself once the last replies (restart.complete of an edge
// restart) have reached their clients; a client that stops reading gets
// this long.
constexpr common::Millis kFlushLimit{2000};
// How long a shutdown waits, past the longest stop timeout, for processes
// that were sent SIGKILL.
constexpr common::Millis kStuckGrace{5000};
// A start whose services are ready within this long has nothing to explain:
// the STATUS= progress of an activating unit begins after it.
constexpr common::Millis kStatusDelay{1000};

std::string names_of(const std::vector<std::unique_ptr<Service>>& services) {
  std::string out;
  for (const auto& s : services) out += (out.empty() ? "" : ", ") + s->name();
  return out;
}

// Why `service` is not ready yet, for the STATUS= systemd shows while the
// unit is activating ("not ready (tcp 127.0.0.1:3002)").
std::string waiting_reason(const Service& service) {
  const auto& ready = service.config().ready;
  const auto st = service.status();
  std::string last_exit;
  if (st.last_exit) {
    last_exit = st.last_exit->signal ? "killed by SIG" + *st.last_exit->signal
                                     : "exit code " + std::to_string(st.last_exit->code.value_or(0));
  }
  switch (service.state()) {
    case ServiceState::starting:
      switch (ready.kind) {
        case common::Readiness::Kind::notify:
          return "not ready (no READY=1 yet)";
        case common::Readiness::Kind::tcp:
          return "not ready (tcp " + ready.host + ":" + std::to_string(ready.port) + ")";
        case common::Readiness::Kind::http:
          return "not ready (http " + ready.host + ":" + std::to_string(ready.port) + ready.path + ")";
        case common::Readiness::Kind::none:
          return "starting";
      }
      return "starting";
    case ServiceState::backoff:
      return "restarting after " + (last_exit.empty() ? "a failed start" : last_exit) + " (" +
             std::to_string(st.restarts) + (st.restarts == 1 ? " restart)" : " restarts)");
    case ServiceState::exited:
      return "exited" + (last_exit.empty() ? "" : " (" + last_exit + ")") + ", not restarted by its restart policy";
    case ServiceState::stopping:
      return "stopping";
    case ServiceState::stopped:
      return "stopped";
    case ServiceState::running:
      return "ready";
  }
  return "";
}

}  // namespace

Supervisor::Supervisor(uv_loop_t* loop, common::Config config)
    : loop_(loop),
      config_(std::move(config)),
      out_(loop, STDOUT_FILENO),
      err_(loop, STDERR_FILENO),
      reaper_(loop),
      control_(loop, [this](const auto& conn, const auto& req) { on_request(conn, req); }),
      sigterm_(loop),
      sigint_(loop),
      sighup_(loop),
      exit_timer_(loop),
      status_timer_(loop),
      prune_timer_(loop) {
  context_.loop = loop;
  context_.reaper = &reaper_;
  context_.out = &out_;
  context_.err = &err_;
  // Children must not talk to whatever supervises this supervisor.
  context_.base_env = common::current_environment({"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"});
  common::set_env(context_.base_env, "RESHIP_SUPERVISOR_SOCKET", config_.supervisor.socket.string());
  context_.on_state_change = [this](const Service& s) { on_state_change(s); };
  for (const auto& sc : config_.services) services_.push_back(std::make_unique<Service>(context_, sc));
}

Supervisor::~Supervisor() = default;

std::string Supervisor::supervisor_tag() const {
  return "RESHIP_SUPERVISOR_SOCKET=" + config_.supervisor.socket.string();
}

common::Result<void> Supervisor::start() {
  started_ms_ = common::monotonic_ms();
  if (auto r = common::become_subreaper(); !r) spdlog::warn("{}; orphans will be reaped by init", r.error().message);
  auto listening = control_.listen(config_.supervisor.socket.string(), config_.supervisor.socket_mode,
                                   config_.supervisor.allow_uids);
  if (!listening) return listening;
  // This socket is ours now, so any process still tagged with it belongs to a
  // supervisor that died outright: stop it before starting services anew, so
  // that no service ever runs twice.
  if (const int killed = common::kill_processes_with_env(supervisor_tag()); killed > 0) {
    spdlog::warn("stopped {} process(es) left by a previous supervisor on this socket", killed);
  }
  // Bound once, for the supervisor's whole life, and after those leftovers
  // are gone (they may hold them still).
  for (auto& s : services_) {
    if (s->config().listen.empty()) continue;
    auto sockets = ListenSockets::bind(s->name(), s->config().listen);
    if (!sockets) return sockets.error();
    int fd = 3;
    for (const auto& k : (*sockets)->sockets()) spdlog::info("{}: holds {} (its fd {})", s->name(), k.bound, fd++);
    s->set_sockets(std::move(*sockets));
  }
  reaper_.on_pass([this] {
    for (auto& s : services_) s->check_group();
    for (auto& l : leaving_) l.service->check_group();
  });
  reaper_.on_orphan([](pid_t pid, int status) {
    spdlog::debug("reaped orphan pid {} ({})", pid, common::describe_wait_status(status));
  });
  if (auto r = reaper_.start(); !r) return r;
  // A supervisor that could not hear SIGTERM would be stopped only by
  // SIGKILL, its services left running: refuse to start rather than run deaf.
  if (auto r = sigterm_.start(SIGTERM, [this] { on_stop_signal(); }); !r) {
    return common::Error{"cannot watch SIGTERM: " + r.error().message};
  }
  if (auto r = sigint_.start(SIGINT, [this] { on_stop_signal(); }); !r) {
    return common::Error{"cannot watch SIGINT: " + r.error().message};
  }
  if (auto r = sighup_.start(SIGHUP,
                             [this] {
                               spdlog::info("SIGHUP: reloading the config");
                               reload(false, nullptr);
                             });
      !r) {
    return common::Error{"cannot watch SIGHUP: " + r.error().message};
  }
  spdlog::info("reship-supervisor {} started: pid {}, socket {}, services: {}", kVersion, ::getpid(),
               config_.supervisor.socket.string(), services_.empty() ? "none" : names_of(services_));
  for (auto& s : services_) {
    if (s->config().autostart) s->start([](const StartOutcome&) {});
  }
  maybe_notify_ready();
  if (!ready_notified_) {
    status_timer_.start(kStatusDelay, [this] {
      status_due_ = true;
      maybe_notify_ready();
    });
  }
  return {};
}

Service* Supervisor::find(std::string_view name) {
  for (auto& s : services_) {
    if (s->name() == name) return s.get();
  }
  return nullptr;
}

// ---- requests ------------------------------------------------------------------

void Supervisor::on_request(const std::shared_ptr<ControlConnection>& conn, const ipc::Request& req) {
  switch (req.op) {
    case ipc::Op::hello:
      if (!req.client.empty()) spdlog::debug("control: hello from {}", req.client);
      conn->send(req.id, hello());
      return;
    case ipc::Op::status:
      conn->send(req.id, status());
      return;
    case ipc::Op::subscribe:
      subscribers_.push_back({conn, req.id});
      for (const auto& s : services_) {
        conn->send(req.id, ipc::ServiceState{s->name(), state_name(s->state()),
                                             s->pid() > 0 ? std::optional<int>(s->pid()) : std::nullopt,
                                             common::now_iso8601()});
      }
      return;
    case ipc::Op::restart:
    case ipc::Op::start:
    case ipc::Op::stop:
    case ipc::Op::reload:
      if (shutting_down_) {
        conn->send_error(req.id, ipc::code::shutting_down, "the supervisor is shutting down");
        return;
      }
      if (req.op == ipc::Op::restart) {
        on_restart(conn, req);
      } else if (req.op == ipc::Op::reload) {
        spdlog::info("control: reload{}", req.defer_restarts ? " (restart never)" : "");
        conn->begin_request();
        reload(req.defer_restarts, [conn, id = req.id](const ipc::ReloadDone& done) {
          conn->send(id, done);
          conn->end_request();
        });
      } else {
        on_start_stop(conn, req);
      }
      return;
  }
}

void Supervisor::on_restart(const std::shared_ptr<ControlConnection>& conn, const ipc::Request& req) {
  std::vector<std::string> names;
  if (req.scope) {
    const auto* members = config_.find_scope(*req.scope);
    if (members == nullptr) {
      std::string known;
      for (const auto& [name, m] : config_.scopes) known += (known.empty() ? "" : ", ") + name;
      conn->send_error(req.id, ipc::code::unknown_scope,
                       "unknown scope \"" + *req.scope + "\"; scopes: " + (known.empty() ? "none" : known));
      return;
    }
    names = *members;
  } else {
    names = req.services;
  }
  std::vector<Service*> targets;
  bool edge = false;
  for (const auto& name : names) {
    if (name == common::kEdge) {
      edge = true;
      continue;
    }
    Service* s = find(name);
    if (s == nullptr) {
      conn->send_error(req.id, ipc::code::unknown_service,
                       "unknown service \"" + name + "\"; services: " + names_of(services_) + ", edge");
      return;
    }
    if (std::find(targets.begin(), targets.end(), s) == targets.end()) targets.push_back(s);
  }
  spdlog::info("control: restart {}{}", req.scope ? "scope " + *req.scope : "services", edge ? " (with edge)" : "");
  auto plan = std::make_shared<RestartPlan>(conn, req.id, std::move(targets), edge, [this] {
    spdlog::info("edge: restart requested; stopping every service, then exiting with code {}",
                 config_.supervisor.self_restart_exit_code);
    shut_down(config_.supervisor.self_restart_exit_code);
  });
  plan->run();
}

void Supervisor::on_start_stop(const std::shared_ptr<ControlConnection>& conn, const ipc::Request& req) {
  const bool start = req.op == ipc::Op::start;
  const char* op = start ? "start" : "stop";
  std::vector<Service*> targets;
  for (const auto& name : req.services) {
    Service* s = find(name);
    if (s == nullptr) {
      const std::string hint = name == common::kEdge ? " (edge can only be restarted)" : "";
      conn->send_error(req.id, ipc::code::unknown_service, "unknown service \"" + name + "\"" + hint);
      return;
    }
    if (std::find(targets.begin(), targets.end(), s) == targets.end()) targets.push_back(s);
  }
  ipc::OpAck ack{op, {}};
  for (const Service* s : targets) ack.services.push_back(s->name());
  conn->send(req.id, ack);
  struct Progress {
    ipc::OpDone done;
    size_t remaining;
  };
  auto progress = std::make_shared<Progress>(Progress{{op, true, {}}, targets.size()});
  conn->begin_request();
  auto finish_one = [conn, id = req.id, progress](ipc::ServiceResult result) {
    progress->done.ok = progress->done.ok && result.ok;
    progress->done.results.push_back(std::move(result));
    if (--progress->remaining == 0) {
      conn->send(id, progress->done);
      conn->end_request();
    }
  };
  for (Service* s : targets) {
    if (start) {
      s->start([finish_one, name = s->name()](const StartOutcome& o) {
        finish_one({name, o.ok, o.pid, o.error});
      });
    } else {
      s->stop([finish_one, name = s->name()] { finish_one({name, true, std::nullopt, ""}); });
    }
  }
}

ipc::HelloReply Supervisor::hello() const {
  ipc::HelloReply h;
  h.server = std::string("reship-supervisor/") + kVersion;
  h.pid = static_cast<int>(::getpid());
  for (const auto& s : services_) h.services.push_back(s->name());
  h.scopes = config_.scopes;
  return h;
}

ipc::StatusReply Supervisor::status() const {
  ipc::StatusReply st;
  st.supervisor = {static_cast<int>(::getpid()), common::monotonic_ms() - started_ms_, kVersion};
  for (const auto& s : services_) st.services.push_back(s->status());
  return st;
}

// ---- state and readiness --------------------------------------------------------

void Supervisor::on_state_change(const Service& service) {
  if (!subscribers_.empty()) {
    const ipc::ServiceState event{service.name(), state_name(service.state()),
                                  service.pid() > 0 ? std::optional<int>(service.pid()) : std::nullopt,
                                  common::now_iso8601()};
    subscribers_.erase(std::remove_if(subscribers_.begin(), subscribers_.end(),
                                      [](const Subscriber& s) {
                                        auto c = s.conn.lock();
                                        return !c || !c->open();
                                      }),
                       subscribers_.end());
    for (auto& sub : subscribers_) {
      if (auto c = sub.conn.lock()) c->send(sub.id, event);
    }
  }
  maybe_notify_ready();
}

void Supervisor::maybe_notify_ready() {
  if (ready_notified_ || shutting_down_) return;
  size_t ready = 0;
  size_t autostart = 0;
  const Service* waiting = nullptr;
  for (const auto& s : services_) {
    if (!s->config().autostart) continue;
    ++autostart;
    if (s->ready()) {
      ++ready;
    } else if (waiting == nullptr) {
      waiting = s.get();
    }
  }
  if (waiting != nullptr) {
    // While the unit is activating, `systemctl status` shows the last
    // STATUS=: which service it waits for and why. Sent on changes only.
    if (!status_due_) return;
    std::string status = "STATUS=waiting for " + waiting->name() + ": " + waiting_reason(*waiting) + "; " +
                         std::to_string(ready) + " of " + std::to_string(autostart) + " services ready";
    if (status != status_sent_ && common::sd_notify(status)) spdlog::debug("told systemd: {}", status);
    status_sent_ = std::move(status);
    return;
  }
  ready_notified_ = true;
  status_timer_.stop();
  if (common::sd_notify("READY=1\nSTATUS=all services ready")) spdlog::debug("told systemd: READY=1");
}

// ---- the way out -----------------------------------------------------------------

void Supervisor::on_stop_signal() {
  if (!shutting_down_) {
    shut_down(0);
    return;
  }
  // A second signal while stopping: the operator does not want to wait.
  spdlog::warn("asked again to stop: killing every service now");
  for (auto& s : services_) s->kill_now();
  for (auto& l : leaving_) l.service->kill_now();
  finish();
}

void Supervisor::shut_down(int exit_code) {
  if (shutting_down_ || finished_) return;
  shutting_down_ = true;
  exit_code_ = exit_code;
  status_timer_.stop();
  common::sd_notify("STOPPING=1");
  spdlog::info("stopping every service");
  stopping_ = services_.size() + leaving_.size();
  if (stopping_ == 0) {
    finish();
    return;
  }
  // A process stuck in the kernel survives even SIGKILL: never wait for it
  // forever.
  common::Millis longest{0};
  for (const auto& s : services_) longest = std::max(longest, s->config().stop_timeout);
  for (const auto& l : leaving_) longest = std::max(longest, l.service->config().stop_timeout);
  exit_timer_.start(longest + kStuckGrace, [this] {
    spdlog::error("some services did not stop after SIGKILL; exiting anyway");
    finish();
  });
  std::vector<Service*> all;
  for (auto& s : services_) all.push_back(s.get());
  for (auto& l : leaving_) all.push_back(l.service.get());
  for (Service* s : all) {
    s->shut_down([this] {
      if (--stopping_ == 0) finish();
    });
  }
}

void Supervisor::finish() {
  if (finished_) return;
  finished_ = true;
  spdlog::info("reship-supervisor exiting with code {}", exit_code_);
  control_.close();
  sigterm_.stop();
  sigint_.stop();
  sighup_.stop();
  // Everything is stopped: release the watchers (one loop turn later, as
  // this may run inside a service's callback) and let the loop run dry once
  // the last replies are written.
  exit_timer_.start(common::Millis(0), [this] {
    services_.clear();
    leaving_.clear();
    reaper_.stop();
    exit_timer_.start(kFlushLimit, [this] { uv_stop(loop_); });
    exit_timer_.unref();
  });
}

}  // namespace reship::supervisor
