// reship-back: the deploy service (HTTP API, builds, records, restarts).

#include <signal.h>
#include <sys/resource.h>

#include "back/back_config.hpp"
#include "back/back_daemon.hpp"
#include "common/config/config_check.hpp"
#include "common/os/process_spawn.hpp"
#include "common/config/daemon_flags.hpp"
#include "common/os/uv_handles.hpp"

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

  // A client that disconnects must not kill the daemon with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  common::close_inherited_fds_on_exec();
  // max_connections sockets, plus logs, the database and build pipes: the
  // usual soft limit of 1024 descriptors is too tight. Take the hard limit.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }

  int exit_code = 0;
  common::uv::Loop loop;
  {
    back::BackDaemon daemon(loop, std::move(*config));
    if (auto error = daemon.start()) {
      spdlog::error("{}", error->message);
      exit_code = error->exit_code;
    } else {
      loop.run();
      exit_code = daemon.exit_code();
    }
  }
  loop.close();
  return exit_code;
}
