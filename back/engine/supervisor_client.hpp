#pragma once

#include <functional>
#include <string>
#include <vector>

#include "back/engine/restarter.hpp"
#include "common/config/config.hpp"
#include "common/result.hpp"
#include "ipc/async_client.hpp"

namespace reship::back {

/// reship-back's side of the supervisor's control socket: restarts with their
/// per-service outcomes, and the status for GET /api/v1/services. A
/// supervisor that is down or stuck fails the call with a message naming the
/// socket, bounded by the services' own stop and ready timeouts.
class SupervisorClient final : public Restarter {
 public:
  using RestartHandlers = Restarter::Handlers;

  SupervisorClient(uv_loop_t* loop, const common::Config& config);

  void restart(const std::vector<std::string>& services, Handlers handlers) override;
  void status(std::function<void(common::Result<ipc::StatusReply>)> done) override;
  void reload(std::function<void(common::Result<ipc::ReloadDone>)> done) override;
  const std::string& socket_path() const { return client_.socket_path(); }

 private:
  common::Millis restart_timeout(const std::vector<std::string>& services) const;

  const common::Config& config_;
  ipc::AsyncClient client_;
};

}  // namespace reship::back
