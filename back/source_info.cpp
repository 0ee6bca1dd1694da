#include "back/source_info.hpp"

#include "common/text/json_read.hpp"

namespace reship::back {

void write_source(common::JsonWriter& w, const SourceInfo& s) {
  w.begin_object()
      .field("commit", s.commit)
      .field("branch", s.branch)
      .field("dirty", s.dirty)
      .field("changedFiles", s.changed_files)
      .field("message", s.message)
      .end_object();
}

void write_since_last_good(common::JsonWriter& w, const SinceLastGood& s) {
  w.begin_object().field("commit", s.commit).field("files", s.files).field("count", s.count).end_object();
}

std::optional<SourceInfo> read_source(simdjson::dom::object object) {
  common::JsonFields f(object);
  SourceInfo s;
  s.commit = std::string(f.string("commit").value_or(""));
  if (s.commit.empty()) return std::nullopt;
  if (auto branch = f.string("branch")) s.branch = std::string(*branch);
  s.dirty = f.boolean("dirty").value_or(false);
  s.changed_files = f.integer("changedFiles").value_or(0);
  s.message = std::string(f.string("message").value_or(""));
  return s;
}

std::optional<SinceLastGood> read_since_last_good(simdjson::dom::object object) {
  common::JsonFields f(object);
  SinceLastGood s;
  s.commit = std::string(f.string("commit").value_or(""));
  if (s.commit.empty()) return std::nullopt;
  if (auto files = f.strings("files")) {
    for (auto file : *files) s.files.emplace_back(file);
  }
  s.count = f.integer("count").value_or(static_cast<int64_t>(s.files.size()));
  return s;
}

}  // namespace reship::back
