#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/result.hpp"
#include "ipc/async_client.hpp"

namespace reship::back {

/// reship-back's side of the supervisor's control socket: restarts with their
/// per-service outcomes, and the status for GET /api/v1/services. A
/// supervisor that is down or stuck fails the call with a message naming the
/// socket, bounded by the services' own stop and ready timeouts.
class SupervisorClient {
 public:
  struct RestartHandlers {
    std::function<void(const std::vector<std::string>& services)> on_ack;
    std::function<void(const ipc::RestartDone& done)> on_done;
    std::function<void(const ipc::RestartComplete& complete)> on_complete;
    std::function<void(const common::Error& error)> on_failure;
  };

  SupervisorClient(uv_loop_t* loop, const common::Config& config);

  void restart(const std::vector<std::string>& services, RestartHandlers handlers);
  void status(std::function<void(common::Result<ipc::StatusReply>)> done);
  const std::string& socket_path() const { return client_.socket_path(); }

 private:
  common::Millis restart_timeout(const std::vector<std::string>& services) const;

  const common::Config& config_;
  ipc::AsyncClient client_;
};

}  // namespace reship::back
