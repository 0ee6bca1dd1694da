#pragma once

#include <string>

namespace reship::common {

/// Kills (SIGKILL, with their process groups) every process whose
/// environment holds `entry` ("NAME=value"), except this one: what a daemon
/// killed outright left running. The environment ties a process to its owner
/// for sure, where a remembered pid could have been reused meanwhile.
/// Returns how many processes were found.
int kill_processes_with_env(const std::string& entry);

}  // namespace reship::common
