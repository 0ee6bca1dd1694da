#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/control_server.hpp"
#include "supervisor/service.hpp"

namespace reship::supervisor {

/// One restart request (contract 2.2 and 2.4): restarts its services in
/// parallel, answers restart.ack at once, one restart.done per service as
/// each ends, then restart.complete. When the request includes `edge`, the
/// supervisor's own restart.done (exiting) and the complete come last, and
/// then `on_edge` makes the supervisor exit. The plan goes on to its end when
/// its client disconnects.
class RestartPlan : public std::enable_shared_from_this<RestartPlan> {
 public:
  RestartPlan(std::shared_ptr<ControlConnection> conn, std::optional<std::string> id, std::vector<Service*> services,
              bool edge, std::function<void()> on_edge);

  void run();

 private:
  void on_done(const ipc::RestartDone& done);
  void finish();

  std::shared_ptr<ControlConnection> conn_;
  std::optional<std::string> id_;
  std::vector<Service*> services_;
  bool edge_;
  std::function<void()> on_edge_;
  int64_t started_ms_ = 0;
  size_t remaining_ = 0;
  bool all_ok_ = true;
};

}  // namespace reship::supervisor
