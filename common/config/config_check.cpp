#include "common/config/config_check.hpp"

#include <cstdio>

namespace reship::common {

std::optional<Config> load_config_or_report(const std::filesystem::path& file, const ExtraConfigRules& extra) {
  ConfigLoad load = load_config(file);
  if (load.config && extra) load.problems = extra(*load.config);
  for (const auto& p : load.problems) std::fprintf(stderr, "%s\n", p.to_string().c_str());
  if (!load.problems.empty()) return std::nullopt;
  return std::move(load.config);
}

int check_config(const std::filesystem::path& file, const ExtraConfigRules& extra) {
  auto config = load_config_or_report(file, extra);
  if (!config) return 2;
  std::printf("%s: ok (%zu services, %zu scopes, %zu builds, %zu tokens)\n", file.string().c_str(),
              config->services.size(), config->scopes.size(), config->builds.size(), config->tokens.size());
  return 0;
}

}  // namespace reship::common
