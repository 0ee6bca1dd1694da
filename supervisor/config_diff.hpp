#pragma once

// What a reload changes (issue 22): the services of the running config set
// against those of the new file, by name. Pure, so that the rules are tested
// without processes.

#include <string>
#include <vector>

#include "common/config/config.hpp"

namespace reship::supervisor {

struct ServiceDiff {
  std::vector<std::string> added;      ///< in the new file only, in its order
  std::vector<std::string> removed;    ///< in the running config only
  std::vector<std::string> changed;    ///< in both, with another definition
  std::vector<std::string> unchanged;  ///< in both, the same definition
};

/// `running` holds each service's latest definition (a changed one not yet
/// applied counts as what it will run).
ServiceDiff diff_services(const std::vector<const common::ServiceConfig*>& running,
                          const std::vector<common::ServiceConfig>& next);

/// What the new [supervisor] table changes that only a restart applies, one
/// sentence each (empty: nothing). The socket's path and mode are fixed for
/// the daemon's life: clients find it there.
std::vector<std::string> supervisor_changes_needing_restart(const common::SupervisorConfig& running,
                                                            const common::SupervisorConfig& next);

}  // namespace reship::supervisor
