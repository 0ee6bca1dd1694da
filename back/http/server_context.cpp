#include "back/http/server_context.hpp"

#include "back/http/connection.hpp"

namespace reship::http {

using namespace std::chrono_literals;

ServerContext::ServerContext(uv_loop_t* loop_in, const ServerOptions& options_in, Handler handler_in)
    : loop(loop_in),
      options(options_in),
      limits{options_in.max_body_bytes, options_in.max_header_bytes, options_in.max_headers},
      handler(std::move(handler_in)),
      tick(loop_in) {}

void ServerContext::schedule_resume(Connection* connection) {
  resume_queue.push_back(connection->weak_from_this());
  if (!tick.active()) tick.start(0ms, [this] { run_tick(); });
}

void ServerContext::remove(Connection* connection) {
  const auto it = connections.find(connection);
  if (it == connections.end()) return;
  connections.erase(it);
  if (shutting_down && connections.empty()) schedule_drained();
}

void ServerContext::schedule_drained() {
  drained_pending = true;
  if (!tick.active()) tick.start(0ms, [this] { run_tick(); });
}

void ServerContext::run_tick() {
  std::vector<std::weak_ptr<Connection>> queue;
  queue.swap(resume_queue);
  for (const auto& weak : queue) {
    if (auto connection = weak.lock()) connection->resume();
  }
  if (drained_pending) {
    drained_pending = false;
    // The callback may destroy the server, and this context with it.
    auto fn = on_drained;
    if (fn) fn();
  }
}

}  // namespace reship::http
