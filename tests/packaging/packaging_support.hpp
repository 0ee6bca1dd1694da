#pragma once

// What the packaging tests share: the files under test, and the tools they
// run when the machine has them.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/config/config.hpp"

namespace reship::test {

/// A file of the source tree ("docker/entrypoint.sh").
std::filesystem::path source_file(const std::string& relative);

/// True when `tool` is found in PATH.
bool have_tool(const std::string& tool);

/// Loads a config, failing the test with its problems when it does not load.
common::Config load_config_or_fail(const std::filesystem::path& path);

/// The longest stop timeout of a config: the supervisor's own default and
/// every service's.
common::Millis longest_stop_timeout(const common::Config& config);

/// Checks that `variant` (docker/reship.toml, systemd/reship.toml) runs the
/// platform of `example` (examples/platform/reship.toml): the same services
/// with the same commands and readiness, scopes, builds and covers. Paths,
/// listen addresses, tokens and reship-back's own command may differ.
void check_same_platform(const common::Config& variant, const common::Config& example);

/// A systemd unit file as key -> values (every occurrence, sections merged:
/// the keys these tests read are unique across sections).
using UnitFile = std::map<std::string, std::vector<std::string>>;
UnitFile read_unit_file(const std::filesystem::path& path);
/// The last value of `key` ("" when absent), as systemd reads a single-valued key.
std::string unit_value(const UnitFile& unit, const std::string& key);

}  // namespace reship::test
