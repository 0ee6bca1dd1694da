#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "common/config/config.hpp"

namespace reship::common {

/// Extra rules a daemon applies on top of the shared ones (reship-back's
/// listen-address rule, say).
using ExtraConfigRules = std::function<std::vector<ConfigProblem>(const Config&)>;

/// Loads `file`, applies `extra` rules, and prints every problem to stderr as
/// "PATH:LINE: message". Returns the config when there was none.
std::optional<Config> load_config_or_report(const std::filesystem::path& file, const ExtraConfigRules& extra = {});

/// What `--check` does: 0 and a one-line summary on stdout when the file is
/// valid, 2 after printing every problem otherwise.
int check_config(const std::filesystem::path& file, const ExtraConfigRules& extra = {});

}  // namespace reship::common
