#include "back/engine/build_command.hpp"

#include <fmt/format.h>

#include "back/diagnostics/structured.hpp"
#include <fmt/ranges.h>

namespace reship::back {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

std::optional<BuildCommand> build_command(const common::Config& config, const DeployRecord& record,
                                          const std::filesystem::path& diagnostics_dir) {
  auto it = config.builds.find(record.scope);
  if (it == config.builds.end()) return std::nullopt;
  const std::vector<std::string>& argv = it->second;
  BuildCommand build;
  build.text = fmt::format("{}", fmt::join(argv, " "));
  auto env = common::current_environment({"NOTIFY_SOCKET", "RESHIP_TOKEN", "LISTEN_FDS", "LISTEN_PID",
                                          "LISTEN_FDNAMES", "RESHIP_SERVICE", "RESHIP_SUPERVISOR_SOCKET"});
  common::set_env(env, "RESHIP_DEPLOY_ID", record.id);
  common::set_env(env, "RESHIP_SCOPE", record.scope);
  common::set_env(env, "RESHIP_MODE", mode_name(record.mode));
  common::set_env(env, diagnostics::kDiagnosticsDirEnv, diagnostics_dir.string());
  const std::string path = common::get_env(env, "PATH");
  auto program = common::resolve_command(argv[0], config.back.workdir, path.empty() ? kDefaultPath : path);
  if (!program) {
    build.error = program.error().message;
    return build;
  }
  build.request.program = *program;
  build.request.argv = argv;
  build.request.env = std::move(env);
  build.request.cwd = config.back.workdir;
  return build;
}

}  // namespace reship::back
