// reship-back: the deploy service (HTTP API, builds, records, restarts).

#include "back/back_config.hpp"
#include "common/config_check.hpp"
#include "common/daemon_flags.hpp"

int main(int argc, char** argv) {
  using namespace reship;
  CLI::App app{"reship-back: the deploy service: builds a scope, has the supervisor restart it, answers once"};
  common::DaemonFlags flags;
  flags.add_to(app, "reship-back");
  if (int rc = common::parse_flags(app, argc, argv); rc >= 0) return rc;
  const auto config_path = common::default_config_path(flags.config);
  if (flags.check) return common::check_config(config_path, back::check_back_config);
  flags.setup_logging("back");
  auto config = common::load_config_or_report(config_path, back::check_back_config);
  if (!config) return 2;
  spdlog::error("the deploy service is not built yet; only --check works");
  return 2;
}
