// docker/: the image's contents checked against the tree and the binaries
// built here, without a Docker engine: the runtime libraries, the files it
// copies, the build stage's configure step, the healthcheck against a real
// reship-back, and the settings compose.yaml and the config must agree on.

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "common/duration.hpp"
#include "tests/support/skip.hpp"
#include "tests/packaging/dockerfile.hpp"
#include "tests/packaging/packaging_support.hpp"
#include "tests/support/binaries.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::vector<DockerStage> image_stages() {
  const std::string text = read_file(source_file("docker/Dockerfile"));
  REQUIRE_FALSE(text.empty());
  auto stages = dockerfile_stages(parse_dockerfile(text));
  REQUIRE(stages.size() >= 2);
  return stages;
}

// The stage named `name` ("FROM ... AS name").
const DockerStage& find_stage(const std::vector<DockerStage>& stages, const std::string& name) {
  for (const auto& stage : stages) {
    const std::string suffix = " AS " + name;
    if (stage.from.size() > suffix.size() && stage.from.compare(stage.from.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return stage;
    }
  }
  FAIL("docker/Dockerfile has no stage " << name);
  throw std::logic_error("unreachable");
}

const DockerInstruction* find_instruction(const DockerStage& stage, const std::string& keyword) {
  for (const auto& ins : stage.instructions) {
    if (ins.keyword == keyword) return &ins;
  }
  return nullptr;
}

// The absolute paths of the shared libraries `binary` loads, from ldd.
std::vector<std::string> linked_libraries(const std::string& binary) {
  const auto r = run_command({"ldd", binary}, 30s);
  INFO(binary << "\n" << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> libs;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    INFO(line);
    CHECK(line.find("not found") == std::string::npos);
    const size_t arrow = line.find("=>");
    std::istringstream rest(arrow == std::string::npos ? line : line.substr(arrow + 2));
    std::string path;
    rest >> path;
    if (!path.empty() && path[0] == '/') libs.push_back(path);
  }
  return libs;
}

// dpkg registers some libraries under /lib and others under /usr/lib, while
// ldd reports either (Debian 12 merges them with symlinks): try both, for the
// path and for the file it resolves to.
std::vector<std::string> dpkg_candidates(const std::string& path) {
  auto toggle_usr = [](const std::string& p) { return p.rfind("/usr/", 0) == 0 ? p.substr(4) : "/usr" + p; };
  std::error_code ec;
  const std::string real = fs::canonical(path, ec).string();
  std::vector<std::string> out{path, toggle_usr(path)};
  if (!ec) {
    out.push_back(real);
    out.push_back(toggle_usr(real));
  }
  return out;
}

// Path -> Debian package ("libssl3"), with one `dpkg -S` for all of them.
std::map<std::string, std::string> owning_packages(const std::set<std::string>& paths) {
  std::vector<std::string> argv{"dpkg", "-S"};
  for (const auto& p : paths) argv.push_back(p);
  const auto r = run_command(argv, 60s);  // exit 1 when some candidate is unknown: expected
  REQUIRE_FALSE(r.timed_out);
  std::map<std::string, std::string> owner;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    // "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libcrypto.so.3"
    const size_t sep = line.find(": /");
    if (sep == std::string::npos || line.rfind("diversion", 0) == 0) continue;
    std::string package = line.substr(0, sep);
    package = package.substr(0, package.find_first_of(":,"));
    owner[line.substr(sep + 2)] = package;
  }
  return owner;
}

bool host_is_debian_12() {
  const std::string os = read_file("/etc/os-release");
  return os.find("VERSION_CODENAME=bookworm") != std::string::npos;
}

}  // namespace

TEST_CASE("docker image: the runtime stage installs the package of every library the binaries link", "[packaging]") {
  if (!have_tool("ldd") || !have_tool("dpkg") || !host_is_debian_12()) {
    RESHIP_SKIP("needs ldd and dpkg on Debian 12, the image's distribution (package names differ elsewhere)");
  }
  const auto stages = image_stages();
  const DockerStage& base = find_stage(stages, "runtime-base");
  CHECK_THAT(base.from, Catch::StartsWith("debian:bookworm-slim"));
  CHECK(find_stage(stages, "runtime").from == "runtime-base AS runtime");
  std::set<std::string> listed;
  for (const auto* stage : {&base, &find_stage(stages, "runtime")}) {
    for (const auto& ins : stage->instructions) {
      if (ins.keyword != "RUN") continue;
      for (const auto& p : apt_installed_packages(ins.args)) listed.insert(p);
    }
  }
  REQUIRE_FALSE(listed.empty());

  // Every library of every shipped binary, and the candidates to ask dpkg.
  std::map<std::string, std::set<std::string>> users;  // library -> binaries
  std::set<std::string> candidates;
  for (const char* binary : {kSupervisorBin, kBackBin, kCliBin}) {
    for (const auto& lib : linked_libraries(binary)) {
      users[lib].insert(fs::path(binary).filename().string());
      for (const auto& c : dpkg_candidates(lib)) candidates.insert(c);
    }
  }
  REQUIRE_FALSE(users.empty());
  const auto owner = owning_packages(candidates);

  // libc6 comes with every Debian image. A sanitizer build (the asan preset)
  // links its runtime, which the image (the default preset) never does.
  const std::set<std::string> in_base_image{"libc6"};
  const std::regex sanitizer_runtime("lib(a|ub|l|t)san[0-9]*");
  std::vector<std::string> missing;
  std::set<std::string> needed;
  for (const auto& [lib, binaries] : users) {
    std::string package;
    for (const auto& c : dpkg_candidates(lib)) {
      if (auto it = owner.find(c); it != owner.end()) {
        package = it->second;
        break;
      }
    }
    INFO(lib);
    CHECK_FALSE(package.empty());  // no Debian package owns it: the image cannot have it either
    if (package.empty() || in_base_image.count(package) || std::regex_match(package, sanitizer_runtime)) continue;
    needed.insert(package);
    if (listed.count(package) == 0) {
      std::string by;
      for (const auto& b : binaries) by += (by.empty() ? "" : ", ") + b;
      missing.push_back(package + " (" + lib + ", linked by " + by + ")");
    }
  }
  std::string message = "add to the runtime stage's apt-get install in docker/Dockerfile:";
  for (const auto& m : missing) message += "\n  " + m;
  INFO(message);
  CHECK(missing.empty());
  for (const auto& p : listed) {
    if (p.rfind("lib", 0) == 0 && needed.count(p) == 0) {
      WARN("docker/Dockerfile installs " << p << ", which no reship binary links (still needed?)");
    }
  }
}

TEST_CASE("docker image: every file the Dockerfile copies from the build context exists", "[packaging]") {
  int copies = 0;
  for (const auto& stage : image_stages()) {
    for (const auto& ins : stage.instructions) {
      if (ins.keyword != "COPY" && ins.keyword != "ADD") continue;
      for (const auto& src : copy_sources(ins.args)) {
        INFO("docker/Dockerfile:" << ins.line << ": " << src);
        CHECK(fs::exists(source_file(src)));
        ++copies;
      }
    }
  }
  CHECK(copies > 0);
  // The scripts are run as they are copied: they must be executable.
  for (const char* script : {"docker/entrypoint.sh", "docker/healthcheck.sh"}) {
    INFO(script);
    CHECK((fs::status(source_file(script)).permissions() & fs::perms::owner_exec) != fs::perms::none);
  }
}

TEST_CASE("docker image: the build stage's sources configure with its own cmake command", "[packaging][slow]") {
  // What the build stage copies into /src, copied the same way into a temp
  // dir, then its configure command (the RUN's first `cmake` step) run there:
  // a folder the build needs but the Dockerfile does not copy fails here.
  const auto stages = image_stages();
  const DockerStage& build = stages.front();
  TempDir dir;
  std::string configure;
  bool in_src = false;
  for (const auto& ins : build.instructions) {
    if (ins.keyword == "WORKDIR") in_src = ins.args == "/src";
    if (ins.keyword == "COPY" && in_src) {
      for (const auto& src : copy_sources(ins.args)) {
        std::error_code ec;
        fs::copy(source_file(src), dir / src, fs::copy_options::recursive, ec);
        INFO(src << ": " << ec.message());
        REQUIRE_FALSE(ec);
      }
    }
    if (const size_t at = ins.args.find("cmake --preset");
        ins.keyword == "RUN" && in_src && at != std::string::npos && configure.empty()) {
      configure = ins.args.substr(at, ins.args.find("&&", at) - at);
      // The binaries it copies out are where this build puts them.
      for (const char* binary : {kSupervisorBin, kBackBin, kCliBin}) {
        const fs::path p(binary);
        const std::string relative =
            "build/default/" + p.parent_path().filename().string() + "/" + p.filename().string();
        INFO(relative);
        CHECK(ins.args.find(relative) != std::string::npos);
      }
    }
  }
  REQUIRE_FALSE(configure.empty());
  CHECK_THAT(configure, Catch::Contains("--preset default"));
  const auto r = run_command({"sh", "-c", "cd \"$1\" && " + configure, "configure", dir.path().string()}, 100s);
  INFO(configure << "\n" << r.out << r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("docker healthcheck: healthy while reship-back answers /healthz, unhealthy once it is gone",
          "[packaging][integration]") {
  if (!have_tool("bash")) {
    RESHIP_SKIP("the healthcheck is a bash script and there is no bash");
  }
  TempDir dir;
  const int port = free_port();
  const std::string addr = "127.0.0.1:" + std::to_string(port);
  dir.write("reship.toml", "[back]\nlisten = [\"" + addr + "\"]\nstate_dir = \"state\"\n");
  const std::string script = source_file("docker/healthcheck.sh").string();
  {
    ChildProcess back({kBackBin, "--config", (dir / "reship.toml").string()}, (dir / "back.log").string());
    // Listening is logged before the first accept can happen.
    const bool listening = wait_until(
        [&] { return read_file(dir / "back.log").find("listening on http://" + addr) != std::string::npos; }, 15s);
    INFO(read_file(dir / "back.log"));
    REQUIRE(listening);
    const auto healthy = run_command({"bash", script, addr}, 20s);
    INFO(healthy.out << healthy.err);
    CHECK(healthy.exit_code == 0);
    CHECK_THAT(healthy.out, Catch::StartsWith("healthy: GET http://" + addr + "/healthz answered 200"));
    // The address also comes from the environment, as the image sets it.
    const auto from_env = run_command({"bash", script}, 20s, {{"RESHIP_HEALTH_ADDR", addr}});
    CHECK(from_env.exit_code == 0);
    CHECK(back.stop(10s) == 0);
  }
  const auto gone = run_command({"bash", script, addr}, 20s);
  INFO(gone.out << gone.err);
  CHECK(gone.exit_code == 1);
  CHECK_THAT(gone.out, Catch::StartsWith("unhealthy: nothing listens on " + addr));
  CHECK(gone.err.empty());
}

TEST_CASE("docker image: Dockerfile, compose.yaml and the image's config agree", "[packaging]") {
  const auto stages = image_stages();
  const DockerStage& runtime = find_stage(stages, "runtime");
  // The default target (the last stage) is the runtime image as it is.
  CHECK(stages.back().from == "runtime");
  CHECK(stages.back().instructions.empty());
  const auto config = load_config_or_fail(source_file("docker/reship.toml"));

  // The config passes both daemons' checks, as the entrypoint runs them.
  for (const char* binary : {kSupervisorBin, kBackBin}) {
    const auto r = run_command({binary, "--check", "--config", source_file("docker/reship.toml").string()}, 30s);
    INFO(binary << "\n" << r.out << r.err);
    CHECK(r.exit_code == 0);
  }
  REQUIRE(config.back.listen.size() == 1);
  const int port = config.back.listen[0].port;

  // The runtime stage: signals, healthcheck, entrypoint, volume, user, port.
  auto arg_of = [&](const std::string& keyword) {
    const auto* ins = find_instruction(runtime, keyword);
    INFO(keyword);
    REQUIRE(ins != nullptr);
    return ins->args;
  };
  CHECK(arg_of("STOPSIGNAL") == "SIGTERM");
  CHECK_THAT(arg_of("HEALTHCHECK"), Catch::Contains("CMD [\"/usr/local/bin/reship-healthcheck\"]"));
  CHECK(arg_of("ENTRYPOINT") == "[\"/usr/local/bin/reship-entrypoint\"]");
  CHECK_THAT(arg_of("VOLUME"), Catch::Contains("\"" + config.back.state_dir.string() + "\""));
  CHECK(arg_of("USER") != "root");
  CHECK(arg_of("EXPOSE") == std::to_string(port));
  CHECK_THAT(arg_of("ENV"), Catch::Contains("RESHIP_CONFIG=/etc/reship/reship.toml"));
  // The healthcheck's default address is reship-back's port on loopback.
  CHECK_THAT(read_file(source_file("docker/healthcheck.sh")),
             Catch::Contains("RESHIP_HEALTH_ADDR:-127.0.0.1:" + std::to_string(port) + "}"));
  // And the entrypoint's default config is where the image puts it.
  CHECK_THAT(read_file(source_file("docker/entrypoint.sh")),
             Catch::Contains("RESHIP_CONFIG:-/etc/reship/reship.toml}"));

  // compose.yaml: the edge bounce comes back, the supervisor is PID 1, the
  // grace period covers the slowest stop, the port and the state are there.
  const std::string compose = read_file(source_file("docker/compose.yaml"));
  auto compose_value = [&](const std::string& key) {
    std::smatch m;
    const std::regex re("\\n\\s*" + key + ":\\s*([^\\n#]*?)\\s*(#[^\\n]*)?\\n");
    INFO(key);
    REQUIRE(std::regex_search(compose, m, re));
    return m[1].str();
  };
  CHECK(compose_value("restart") == "unless-stopped");
  CHECK(compose_value("init") == "false");
  CHECK(compose_value("stop_signal") == "SIGTERM");
  const auto grace = common::parse_duration(compose_value("stop_grace_period"));
  REQUIRE(grace.ok());
  // The services stop in parallel: the slowest one, plus room for the rest.
  CHECK(*grace >= longest_stop_timeout(config) + common::Millis(5000));
  // The demo token is unrestricted and public: the API it opens stays on
  // the container's loopback, and compose publishes no port to it.
  CHECK(config.back.listen[0].is_local());
  CHECK_FALSE(std::regex_search(compose, std::regex("\n\\s*ports:")));
  CHECK_THAT(compose, Catch::Contains(":" + config.back.state_dir.string() + "\n"));
  CHECK_THAT(compose, Catch::Contains("test: [\"CMD\", \"/usr/local/bin/reship-healthcheck\"]"));
  CHECK(config.supervisor.self_restart_exit_code == 75);
}

TEST_CASE("docker image: its config runs the example platform", "[packaging]") {
  check_same_platform(load_config_or_fail(source_file("docker/reship.toml")),
                      load_config_or_fail(source_file("examples/platform/reship.toml")));
}
