#include "back/back_config.hpp"

namespace reship::back {

std::vector<common::ConfigProblem> check_back_config(const common::Config& config) {
  std::vector<common::ConfigProblem> problems;
  if (!config.tokens.empty()) return problems;
  for (const auto& address : config.back.listen) {
    if (address.is_local()) continue;
    problems.push_back({config.file.string(), address.line,
                        "back.listen \"" + address.text +
                            "\" is reachable from other hosts but no [[tokens]] are configured: add a token, "
                            "or listen on 127.0.0.1 or a unix: path"});
  }
  return problems;
}

}  // namespace reship::back
