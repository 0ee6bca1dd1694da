#pragma once

// What a deploy built: the git work tree's commit, branch and changes when
// the deploy began (record "source"), and the files changed since the last
// deploy of its scope that succeeded (record "sinceLastGood").

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "common/text/json_writer.hpp"

namespace reship::back {

/// The work tree when a deploy began.
struct SourceInfo {
  std::string commit;                 // HEAD's full hash
  std::optional<std::string> branch;  // none when HEAD is detached
  bool dirty = false;                 // tracked changes or untracked files
  int64_t changed_files = 0;          // how many paths `git status` lists
  std::string message;                // HEAD's subject line
};

/// The files changed since the last succeeded deploy of the same scope:
/// `git diff --name-only LAST HEAD` and the work tree's own changes.
struct SinceLastGood {
  std::string commit;               // the last good deploy's commit
  std::vector<std::string> files;   // at most 50 (SourceProbe::kMaxFiles)
  int64_t count = 0;                // how many there are in all
};

void write_source(common::JsonWriter& w, const SourceInfo& source);
void write_since_last_good(common::JsonWriter& w, const SinceLastGood& since);
/// Read back from a record's stored JSON; nullopt when it is not one.
std::optional<SourceInfo> read_source(simdjson::dom::object object);
std::optional<SinceLastGood> read_since_last_good(simdjson::dom::object object);

}  // namespace reship::back
