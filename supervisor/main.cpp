// reship-supervisor: runs the platform's services and restarts them on request.

#include "common/config_check.hpp"
#include "common/daemon_flags.hpp"

int main(int argc, char** argv) {
  using namespace reship;
  CLI::App app{"reship-supervisor: runs the platform's services as named children and restarts them on request"};
  common::DaemonFlags flags;
  flags.add_to(app, "reship-supervisor");
  if (int rc = common::parse_flags(app, argc, argv); rc >= 0) return rc;
  const auto config_path = common::default_config_path(flags.config);
  if (flags.check) return common::check_config(config_path);
  flags.setup_logging("supervisor");
  auto config = common::load_config_or_report(config_path);
  if (!config) return 2;
  spdlog::error("the supervisor itself is not built yet; only --check works");
  return 2;
}
