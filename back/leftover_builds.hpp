#pragma once

#include <string>

namespace reship::back {

/// Kills (SIGKILL, with their process groups) every process whose environment
/// says it belongs to deploy `deploy_id` (RESHIP_DEPLOY_ID): what a build left
/// running when reship-back died. Reading /proc/PID/environ ties a process to
/// its deploy for sure, where a remembered pid could have been reused.
/// Returns how many processes were found.
int kill_leftover_builds(const std::string& deploy_id);

}  // namespace reship::back
