#include "back/engine/record_writer.hpp"

#include <spdlog/spdlog.h>

namespace reship::back {

RecordWriter::RecordWriter(uv_loop_t* loop, DeployStore& store) : store_(store), retry_timer_(loop) {}

common::Result<void> RecordWriter::insert(DeployRecord& record) { return store_.insert(record); }

void RecordWriter::save(const DeployRecord& record) {
  if (auto written = store_.update(record); !written) {
    if (unsaved_.empty()) spdlog::error("{}; keeping records in memory and retrying", written.error().message);
    unsaved_[record.id] = record;
    if (!retry_timer_.active()) retry_timer_.start_repeating(kRetryEvery, [this] { retry(); });
    return;
  }
  unsaved_.erase(record.id);
}

void RecordWriter::retry() {
  for (auto it = unsaved_.begin(); it != unsaved_.end();) {
    if (!store_.update(it->second)) return;  // still refused: try later
    it = unsaved_.erase(it);
  }
  spdlog::info("the deploy database takes writes again; every record is saved");
  retry_timer_.stop();
}

std::optional<DeployRecord> RecordWriter::lookup(const std::string& id) {
  if (auto it = unsaved_.find(id); it != unsaved_.end()) return it->second;
  return store_.get(id);
}

DeployStore::Page RecordWriter::list(const DeployStore::ListQuery& query) {
  auto page = store_.list(query);
  for (auto& r : page.deploys) {
    if (auto it = unsaved_.find(r.id); it != unsaved_.end()) {
      const int64_t seq = r.seq;
      r = it->second;
      r.seq = seq;
    }
  }
  return page;
}

}  // namespace reship::back
