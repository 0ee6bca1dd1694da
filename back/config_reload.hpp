#pragma once

#include "back/engine/config_reloader.hpp"
#include "common/config/config.hpp"

namespace reship::back {

/// Loads `running.file` again with every check `--check` makes. With
/// `apply`, a file without problems replaces `running` in place (everything
/// holds it by reference), but for what only a restart can change: [back]
/// listen, state_dir and service, and the supervisor's socket keep their
/// running values and are named in needs_restart.
ConfigReload reload_config(common::Config& running, bool apply);

}  // namespace reship::back
