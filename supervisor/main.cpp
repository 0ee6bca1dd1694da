// reship-supervisor: runs the platform's services and restarts them on request.

#include <signal.h>

#include <spdlog/sinks/stdout_color_sinks.h>

#include "common/config/config_check.hpp"
#include "common/os/process_spawn.hpp"
#include "common/config/daemon_flags.hpp"
#include "common/os/uv_handles.hpp"
#include "supervisor/supervisor.hpp"

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

  // A client that disconnects must not kill the supervisor with SIGPIPE.
  // Children get every signal back to its default before exec.
  ::signal(SIGPIPE, SIG_IGN);
  common::close_inherited_fds_on_exec();

  int exit_code = 0;
  common::uv::Loop loop;
  {
    supervisor::Supervisor sup(loop, std::move(*config));
    common::set_log_sink(std::make_shared<supervisor::OutputWriterSink>(sup.log_writer()));
    auto started = sup.start();
    if (!started) {
      spdlog::error("{}", started.error().message);
      exit_code = 1;
    } else {
      loop.run();
      exit_code = sup.exit_code();
    }
    // The sink writes through the supervisor's writer: back to plain stderr
    // before that goes away.
    common::set_log_sink(std::make_shared<spdlog::sinks::stderr_color_sink_st>());
  }
  loop.close();
  return exit_code;
}
