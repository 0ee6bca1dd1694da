#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "back/engine/deploy_record.hpp"

namespace reship::back {

/// What the queue needs to know of a deploy.
struct QueueEntry {
  std::string id;
  std::string scope;
  DeployMode mode = DeployMode::deploy;
  std::vector<std::string> targets;
  /// "reload": true: a deploy that reloads the config covers only others that do too.
  bool reload = false;
};

/// The queue rules of contract 3.2, as pure decisions: one running deploy, at
/// most one queued slot. It decides; DeployService carries the decisions out.
class DeployQueue {
 public:
  explicit DeployQueue(std::map<std::string, std::vector<std::string>> covers) : covers_(std::move(covers)) {}
  /// A reload's new [back] covers, for the requests that come next.
  void set_covers(std::map<std::string, std::vector<std::string>> covers) { covers_ = std::move(covers); }

  /// X covers Y when they have the same scope or X's scope lists Y's in
  /// [back] covers, X's mode includes Y's, and X restarts at least what Y
  /// would (so no caller gets less than it asked for).
  bool covers(const QueueEntry& x, const QueueEntry& y) const;

  struct Decision {
    enum class Action {
      start,     // nothing ran: the new deploy starts now
      queue,     // the new deploy takes the queued slot
      coalesce,  // the new request joins the queued deploy (joined_id)
    };
    Action action = Action::start;
    std::string joined_id;
    /// The queued deploy the new one replaced, and whether its callers move
    /// to the new one (it covers the old) or the old one ends cancelled.
    std::optional<std::string> replaced_id;
    bool waiters_move = false;
    /// The running deploy that this request cancels (cancelRunning).
    std::optional<std::string> cancel_running_id;
  };

  /// Decides what becomes of request `y`, changing nothing.
  Decision decide(const QueueEntry& y, bool cancel_running) const;
  /// Updates the slots as `decision` (made for `y`) says.
  void apply(const Decision& decision, const QueueEntry& y);
  /// decide() then apply().
  Decision submit(const QueueEntry& y, bool cancel_running);
  /// The running deploy ended: the queued one, if any, becomes the running one
  /// and is returned.
  std::optional<QueueEntry> finish_running();
  /// Drops the queued deploy `id` (cancelled by request). False if it is not queued.
  bool remove_queued(const std::string& id);

  const std::optional<QueueEntry>& running() const { return running_; }
  const std::optional<QueueEntry>& queued() const { return queued_; }
  /// 0 for the running deploy, 1 for the queued one, nullopt otherwise.
  std::optional<int> position(const std::string& id) const;

 private:
  std::map<std::string, std::vector<std::string>> covers_;
  std::optional<QueueEntry> running_;
  std::optional<QueueEntry> queued_;
};

}  // namespace reship::back
