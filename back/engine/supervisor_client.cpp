#include "back/engine/supervisor_client.hpp"

#include <algorithm>

#include "reship/version.hpp"

namespace reship::back {

SupervisorClient::SupervisorClient(uv_loop_t* loop, const common::Config& config)
    : config_(config), client_(loop, config.supervisor.socket.string(), std::string("reship-back/") + kVersion) {}

common::Millis SupervisorClient::restart_timeout(const std::vector<std::string>& services) const {
  // Services restart in parallel: the slowest bounds the whole. The slack
  // covers backoff and the supervisor's own work.
  common::Millis longest{0};
  for (const auto& name : services) {
    if (const auto* s = config_.find_service(name)) longest = std::max(longest, s->stop_timeout + s->ready_timeout);
  }
  return longest + common::Millis(15'000);
}

void SupervisorClient::restart(const std::vector<std::string>& services, Handlers h) {
  auto handlers = std::make_shared<RestartHandlers>(std::move(h));
  client_.send([&services](std::string_view id) { return ipc::encode_restart_request(id, services); },
               {[handlers](const ipc::Reply& reply) {
                  if (const auto* ack = reply.as<ipc::RestartAck>()) {
                    if (handlers->on_ack) handlers->on_ack(ack->services);
                  } else if (const auto* done = reply.as<ipc::RestartDone>()) {
                    if (handlers->on_done) handlers->on_done(*done);
                  } else if (const auto* complete = reply.as<ipc::RestartComplete>()) {
                    if (handlers->on_complete) handlers->on_complete(*complete);
                  } else if (const auto* error = reply.as<ipc::ErrorReply>()) {
                    if (handlers->on_failure) {
                      handlers->on_failure(common::Error{"reship-supervisor refused the restart (" + error->code +
                                                         "): " + error->message});
                    }
                  }
                },
                [handlers](const common::Error& error) {
                  if (handlers->on_failure) handlers->on_failure(error);
                }},
               restart_timeout(services));
}

void SupervisorClient::status(std::function<void(common::Result<ipc::StatusReply>)> done) {
  auto cb = std::make_shared<std::function<void(common::Result<ipc::StatusReply>)>>(std::move(done));
  client_.send([](std::string_view id) { return ipc::encode_status_request(id); },
               {[cb](const ipc::Reply& reply) {
                  if (const auto* status = reply.as<ipc::StatusReply>()) {
                    (*cb)(*status);
                  } else if (const auto* error = reply.as<ipc::ErrorReply>()) {
                    (*cb)(common::Error{"reship-supervisor answered " + error->code + ": " + error->message});
                  }
                },
                [cb](const common::Error& error) { (*cb)(error); }},
               common::Millis(5000));
}

void SupervisorClient::reload(std::function<void(common::Result<ipc::ReloadDone>)> done) {
  auto cb = std::make_shared<std::function<void(common::Result<ipc::ReloadDone>)>>(std::move(done));
  // It waits for what it starts, stops and restarts: any service may be one.
  std::vector<std::string> every;
  for (const auto& s : config_.services) every.push_back(s.name);
  client_.send([](std::string_view id) { return ipc::encode_reload_request(id, true); },
               {[cb](const ipc::Reply& reply) {
                  if (const auto* reloaded = reply.as<ipc::ReloadDone>()) {
                    (*cb)(*reloaded);
                  } else if (const auto* error = reply.as<ipc::ErrorReply>()) {
                    (*cb)(common::Error{"reship-supervisor refused the reload (" + error->code + "): " + error->message});
                  }
                },
                [cb](const common::Error& error) { (*cb)(error); }},
               restart_timeout(every));
}

}  // namespace reship::back
