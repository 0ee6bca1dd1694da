#pragma once

#include <string>

#include "back/engine/deploy_record.hpp"
#include "back/events/event_bus.hpp"

namespace reship::back {

/// The deploy events of contract 3.4, one writer per type: what each one
/// carries is decided here, and nowhere else.
class DeployEvents {
 public:
  explicit DeployEvents(EventBus& bus) : bus_(bus) {}

  void queued(const DeployRecord& r);
  void started(const DeployRecord& r);
  /// The lines of one read of the build's output (or of reship's own), as
  /// written to the log.
  void log(LogRun run) { bus_.publish_log(std::move(run)); }
  void restart_started(const std::string& deploy_id, const std::string& service);
  void restart_done(const std::string& deploy_id, const RestartEntry& entry);
  void cancelled(const DeployRecord& r);
  void done(const DeployRecord& r);

  EventBus& bus() { return bus_; }

 private:
  EventBus& bus_;
};

}  // namespace reship::back
