#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "back/engine/build_process.hpp"
#include "back/engine/deploy_events.hpp"
#include "back/store/log_store.hpp"

namespace reship::back {

/// A running deploy's output on its way: each read of the build's output
/// goes to the log in one write and, as one run of lines, to the events;
/// reship's own lines take the same path under a stream of their own.
class DeployLog final : public BuildOutput {
 public:
  DeployLog(std::unique_ptr<LogWriter> writer, std::string deploy_id, DeployEvents& events)
      : writer_(std::move(writer)), deploy_id_(std::move(deploy_id)), events_(events) {}

  void begin_read(LogStream stream, int64_t at_ms) override;
  void line(std::string_view text) override;
  void end_read() override;

  /// One line of reship's own ("[reship] build exited with code 0").
  void note(const std::string& text);

  int64_t bytes() const { return writer_->bytes(); }
  /// Set once a write failed: the log is incomplete.
  const std::optional<std::string>& error() const { return writer_->error(); }

 private:
  std::unique_ptr<LogWriter> writer_;
  std::string deploy_id_;
  DeployEvents& events_;
  LogRun run_;
};

}  // namespace reship::back
