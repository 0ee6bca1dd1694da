#include "supervisor/restart_plan.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/time.hpp"

namespace reship::supervisor {

RestartPlan::RestartPlan(std::shared_ptr<ControlConnection> conn, std::optional<std::string> id,
                         std::vector<Service*> services, bool edge, std::function<void()> on_edge)
    : conn_(std::move(conn)),
      id_(std::move(id)),
      services_(std::move(services)),
      edge_(edge),
      on_edge_(std::move(on_edge)) {}

void RestartPlan::run() {
  started_ms_ = common::monotonic_ms();
  conn_->begin_request();
  ipc::RestartAck ack;
  for (const Service* s : services_) ack.services.push_back(s->name());
  if (edge_) ack.services.emplace_back(common::kEdge);
  conn_->send(id_, ack);
  remaining_ = services_.size();
  if (remaining_ == 0) {
    finish();
    return;
  }
  auto self = shared_from_this();
  for (Service* s : services_) {
    s->restart([self](const ipc::RestartDone& done) { self->on_done(done); });
  }
}

void RestartPlan::on_done(const ipc::RestartDone& done) {
  if (done.ok) {
    spdlog::info("{}: restarted, pid {} ({} ms)", done.service, done.pid.value_or(0), done.duration_ms);
  } else {
    spdlog::warn("{}: restart failed: {}", done.service, done.error);
  }
  all_ok_ = all_ok_ && done.ok;
  conn_->send(id_, done);
  if (--remaining_ == 0) finish();
}

void RestartPlan::finish() {
  if (edge_) {
    ipc::RestartDone self;
    self.service = std::string(common::kEdge);
    self.ok = true;
    self.pid = static_cast<int>(::getpid());
    self.exiting = true;
    conn_->send(id_, self);
  }
  conn_->send(id_, ipc::RestartComplete{all_ok_, common::monotonic_ms() - started_ms_});
  conn_->end_request();
  if (edge_ && on_edge_) on_edge_();
}

}  // namespace reship::supervisor
