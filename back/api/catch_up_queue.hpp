#pragma once

#include <cstddef>
#include <deque>
#include <memory>

#include "common/os/uv_handles.hpp"

namespace reship::api {

/// Feeds the event subscribers that fell behind a live stream a little at a
/// time: each loop turn gives them at most kBytesPerTurn in all, one step each
/// in turn, so that a hundred slow subscribers catching up never keep the
/// loop from reading a build's output or answering other requests.
///
///   queue.want(client);  // client->catch_up_step() runs on the next turns
class CatchUpQueue {
 public:
  class Client {
   public:
    virtual ~Client() = default;
    /// Sends one page; returns the bytes it sent and sets `more` when it
    /// wants another step.
    virtual size_t catch_up_step(bool& more) = 0;

   private:
    friend class CatchUpQueue;
    bool queued_ = false;
  };

  static constexpr size_t kBytesPerTurn = 2 * 1024 * 1024;

  explicit CatchUpQueue(uv_loop_t* loop) : idle_(loop) {}

  /// Queues `client` for a step (once, however often it is asked).
  void want(const std::shared_ptr<Client>& client);
  size_t waiting() const { return waiting_.size(); }

 private:
  void turn();

  common::uv::Idle idle_;
  std::deque<std::weak_ptr<Client>> waiting_;
};

}  // namespace reship::api
