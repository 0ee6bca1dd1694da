#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "back/engine/build_process.hpp"
#include "back/engine/deploy_queue.hpp"
#include "back/engine/deploy_record.hpp"
#include "back/store/deploy_store.hpp"
#include "back/engine/error_summary.hpp"
#include "back/events/event_bus.hpp"
#include "back/store/log_store.hpp"
#include "back/engine/self_restart.hpp"
#include "back/engine/supervisor_client.hpp"
#include "common/os/child_reaper.hpp"
#include "common/config/config.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::back {

/// A deploy as asked for (contract 3.1 body, plus who asks).
struct DeployRequest {
  std::string scope = "platform";
  DeployMode mode = DeployMode::deploy;
  std::string requested_by = "anonymous";
  std::string session_id;
  std::string reason;
  bool cancel_running = false;
  /// The caller may bounce `edge` (an unrestricted token, or no tokens at all).
  bool unrestricted = false;
};

/// Why a call was refused, as the API will say it.
struct ApiError {
  ApiError() = default;
  ApiError(int status, std::string code_in, std::string message_in, std::string deploy_id_in = {})
      : http_status(status), code(std::move(code_in)), message(std::move(message_in)), deploy_id(std::move(deploy_id_in)) {}

  int http_status = 400;
  std::string code;
  std::string message;
  /// The deploy the refusal concerns, if any: the answer names it (a field
  /// and a Location header), so that the caller can follow it up.
  std::string deploy_id;
};

/// The deploy engine (contract 3.1, 3.2, 3.4, 3.5): validates requests, runs
/// them through the queue one build at a time, writes logs and records,
/// publishes events, has the supervisor restart the targets (itself last),
/// and answers every waiter once, with the final record.
class DeployService {
 public:
  /// One caller's answer: the final record, and whether this caller joined a
  /// deploy someone else had asked for.
  using DoneFn = std::function<void(const DeployRecord& record, bool coalesced)>;

  struct Submitted {
    std::string id;
    bool coalesced = false;
    /// What the request asked for that could not be done (a cancelRunning
    /// that did not apply), for the caller's answer.
    std::vector<std::string> warnings;
  };

  /// What the metrics want of each finished deploy.
  struct Finished {
    const DeployRecord& record;
    std::optional<int64_t> build_ms;
  };

  DeployService(uv_loop_t* loop, const common::Config& config, DeployStore& store, LogStore& logs, EventBus& events,
                SupervisorClient& supervisor, common::ChildReaper& reaper);
  ~DeployService();
  DeployService(const DeployService&) = delete;
  DeployService& operator=(const DeployService&) = delete;

  /// At start-up: records left unfinished by a crash become interrupted (their
  /// leftover build processes are killed), pending self-restarts are done.
  void recover();

  /// Takes a request. `on_done` (may be empty) runs once the deploy is final.
  std::variant<Submitted, ApiError> submit(const DeployRequest& request, DoneFn on_done);
  /// The record as it is now (an active deploy shows its queuePosition).
  std::optional<DeployRecord> get(const std::string& id);
  /// Calls `done` with the final record once the deploy ends, or with the
  /// record as it is at `timeout`. nullopt for an unknown id. Returns a key
  /// for cancel_wait() (0 when `done` already ran).
  uint64_t wait(const std::string& id, common::Millis timeout,
                std::function<void(std::optional<DeployRecord>)> done);
  /// Forgets a wait whose caller went away.
  void cancel_wait(const std::string& id, uint64_t key);
  /// Cancels a queued or building deploy.
  std::variant<DeployRecord, ApiError> cancel(const std::string& id, const std::string& by);
  DeployStore::Page list(const DeployStore::ListQuery& query);
  bool is_active(const std::string& id) const { return active_.count(id) != 0; }

  /// On SIGTERM: the running build is stopped and its deploy ends
  /// interrupted; a queued deploy that never started stays queued (the next
  /// start runs it) and its callers hear so; `done` runs when that is over.
  void shut_down(std::function<void()> done);
  /// After each reaping pass.
  void check_groups();

  /// Runs for every deploy that ends (metrics).
  void on_finished(std::function<void(const Finished&)> fn) { on_finished_ = std::move(fn); }
  size_t queue_depth() const { return queue_.queued() ? 1 : 0; }
  std::optional<std::string> running_id() const {
    return queue_.running() ? std::optional<std::string>(queue_.running()->id) : std::nullopt;
  }
  /// Scopes a caller may name, for messages ("scopes: all, platform").
  std::string scope_list() const;

 private:
  struct Active;
  class Output;

  std::vector<std::string> targets_for(const DeployRequest& request) const;
  /// Carries out a request's cancelRunning (the queue decided whether it
  /// applies): the running deploy ends cancelled, superseded by `by_id`.
  /// Returns a warning when it could not apply.
  std::optional<std::string> cancel_running(const DeployRequest& request, const DeployQueue::Decision& decision,
                                            const std::string& by_id);
  void start_running(Active& d);
  void run_build(Active& d);
  void on_build_done(Active& d, BuildResult result);
  void run_restart(Active& d);
  void on_restarts_done(Active& d);
  void finish(Active& d, DeployStatus status, std::optional<std::string> summary);
  void request_self_restart(const DeployRecord& record);
  /// Completes the record of a self-restart (in this instance or the next).
  void self_restart_done(const std::string& id, const SelfRestartOutcome& outcome);
  void start_next();
  /// Answers the callers of a deploy that never started and will run after
  /// a restart of reship-back (its record stays queued).
  void defer(Active& d);
  void resume(DeployRecord record);
  void persist(const DeployRecord& record);
  void retry_unsaved();
  void log_line(Active& d, const std::string& text);
  ErrorCollector collect_errors(const std::string& id) const;
  Active* find(const std::string& id);

  uv_loop_t* loop_;
  const common::Config& config_;
  DeployStore& store_;
  LogStore& logs_;
  EventBus& events_;
  SupervisorClient& supervisor_;
  common::ChildReaper& reaper_;
  DeployQueue queue_;
  std::map<std::string, std::unique_ptr<Active>> active_;
  std::function<void(const Finished&)> on_finished_;
  std::function<void()> shutdown_done_;
  bool shutting_down_ = false;
  // Between answering a deploy that restarts reship-back and this process
  // being stopped: nothing new starts, it would be killed half-way.
  bool restarting_self_ = false;
  SelfRestart self_restart_;
  // Records the database refused (a full disk): served from here and
  // written again every few seconds until it takes them.
  std::map<std::string, DeployRecord> unsaved_;
  common::uv::Timer retry_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace reship::back
