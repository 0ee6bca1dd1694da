#pragma once

#include <sys/types.h>

#include <string>

namespace reship::common {

/// Kills (SIGKILL, with their process groups) every process whose
/// environment holds `entry` ("NAME=value"), except this one: what a daemon
/// killed outright left running. The environment ties a process to its owner
/// for sure, where a remembered pid could have been reused meanwhile.
/// Processes of the group `spare_group` (when not 0) are left alone: their
/// owner stops them itself. Returns how many processes were found.
int kill_processes_with_env(const std::string& entry, pid_t spare_group = 0);

}  // namespace reship::common
