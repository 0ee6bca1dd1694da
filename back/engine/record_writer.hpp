#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "back/engine/deploy_record.hpp"
#include "back/store/deploy_store.hpp"
#include "common/duration.hpp"
#include "common/os/uv_handles.hpp"
#include "common/result.hpp"

namespace reship::back {

/// The one place the engine writes deploy records and reads them back.
///
/// Every change goes to SQLite before it is announced. A change the database
/// refuses (a full disk) is kept in memory, served from there, and written
/// again every few seconds until the database takes it: lookup() always
/// gives the newest copy, whichever of the two holds it.
class RecordWriter {
 public:
  /// How often refused records are written again.
  static constexpr common::Millis kRetryEvery{5000};

  RecordWriter(uv_loop_t* loop, DeployStore& store);
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  /// Records a new deploy (setting its seq). A deploy that cannot be
  /// recorded is refused whole: nothing is kept of it.
  common::Result<void> insert(DeployRecord& record);
  /// Records a change.
  void save(const DeployRecord& record);
  /// The newest copy of a record, or nullopt for an unknown id.
  std::optional<DeployRecord> lookup(const std::string& id);
  /// A page of the list, each record in its newest copy.
  DeployStore::Page list(const DeployStore::ListQuery& query);
  /// Whether the database holds the record as it is now.
  bool durable(const std::string& id) const { return unsaved_.count(id) == 0; }

  DeployStore& store() { return store_; }

 private:
  void retry();

  DeployStore& store_;
  std::map<std::string, DeployRecord> unsaved_;
  common::uv::Timer retry_timer_;
};

}  // namespace reship::back
