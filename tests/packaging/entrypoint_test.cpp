// docker/entrypoint.sh outside Docker: its checks, and the edge bounce under
// a restart loop that does what `restart: unless-stopped` does.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "ipc/blocking_client.hpp"
#include "tests/support/skip.hpp"
#include "tests/packaging/packaging_support.hpp"
#include "tests/support/binaries.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

std::string entrypoint() {
  return source_file("docker/entrypoint.sh").string();
}

// The environment that points the entrypoint at this build and `config`.
std::map<std::string, std::string> entrypoint_env(const TempDir& dir) {
  return {{"RESHIP_CONFIG", (dir / "reship.toml").string()},
          {"RESHIP_SUPERVISOR", kSupervisorBin},
          {"RESHIP_BACK", kBackBin}};
}

pid_t parent_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 4 >= line.size()) return 0;
  return static_cast<pid_t>(std::atol(line.c_str() + paren + 4));
}

// The supervisor's pid from a hello on `socket`, or 0 when none answers.
int hello_pid(const std::string& socket) {
  auto client = ipc::BlockingClient::connect(socket);
  if (!client) return 0;
  auto reply = client->request(R"({"id":"h","op":"hello","client":"packaging-test"})"
                               "\n",
                               "h", nullptr, common::Millis(2000));
  if (!reply || reply->as<ipc::HelloReply>() == nullptr) return 0;
  return reply->as<ipc::HelloReply>()->pid;
}

// name -> pid of every service, when all of them are running; empty otherwise.
std::map<std::string, int> running_services(const std::string& socket, size_t expected) {
  auto client = ipc::BlockingClient::connect(socket);
  if (!client) return {};
  auto reply = client->request(R"({"id":"s","op":"status"})"
                               "\n",
                               "s", nullptr, common::Millis(2000));
  if (!reply || reply->as<ipc::StatusReply>() == nullptr) return {};
  std::map<std::string, int> pids;
  for (const auto& s : reply->as<ipc::StatusReply>()->services) {
    if (s.state != "running" || !s.pid) return {};
    pids[s.name] = *s.pid;
  }
  return pids.size() == expected ? pids : std::map<std::string, int>{};
}

}  // namespace

TEST_CASE("docker entrypoint: shellcheck finds nothing in the container's scripts", "[packaging]") {
  if (!have_tool("shellcheck")) {
    RESHIP_SKIP("shellcheck is not installed (scripts/install-deps --extra installs it)");
  }
  // Each script's shebang picks the dialect: POSIX sh for the entrypoint
  // (the image's /bin/sh is dash), bash for the healthcheck.
  const auto r =
      run_command({"shellcheck", "--severity=style", entrypoint(), source_file("docker/healthcheck.sh").string()}, 60s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
}

TEST_CASE("docker entrypoint: an invalid config exits 2 with every problem, before anything starts", "[packaging]") {
  TempDir dir;
  dir.write("reship.toml", std::string(R"([supervisor]
socket = "run/sv.sock"
stop_timeout = "10"
[services.web]
command = [")") + kHelperBin + R"(", "sleep"]
restart = "sometimes"
)");
  const auto r = run_command({entrypoint()}, 30s, entrypoint_env(dir));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  const std::string config = (dir / "reship.toml").string();
  CHECK_THAT(r.err, Catch::Contains(config + ":3: supervisor.stop_timeout"));
  CHECK_THAT(r.err, Catch::Contains(config + ":6: services.web.restart"));
  CHECK_THAT(r.err, Catch::Contains("is not valid (problems above)"));
  CHECK_FALSE(std::filesystem::exists(dir / "run/sv.sock"));
}

TEST_CASE("docker entrypoint: an open API on a public address is refused by reship-back's check", "[packaging]") {
  // The supervisor's own check accepts it; reship-back would refuse to start
  // and crash-loop as a service: the entrypoint stops it at the door.
  TempDir dir;
  dir.write("reship.toml", R"([supervisor]
socket = "run/sv.sock"
[back]
listen = ["0.0.0.0:7070"]
)");
  const auto r = run_command({entrypoint()}, 30s, entrypoint_env(dir));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains((dir / "reship.toml").string() + ":4:"));
  CHECK_FALSE(std::filesystem::exists(dir / "run/sv.sock"));
}

TEST_CASE("docker entrypoint: a missing config or supervisor exits 2 and says what to do", "[packaging]") {
  TempDir dir;
  auto env = entrypoint_env(dir);
  const auto no_config = run_command({entrypoint()}, 30s, env);
  CHECK(no_config.exit_code == 2);
  CHECK_THAT(no_config.err, Catch::Contains("cannot read the config " + (dir / "reship.toml").string() +
                                            ": mount one there, or set RESHIP_CONFIG"));
  dir.write("reship.toml", "[supervisor]\nsocket = \"run/sv.sock\"\n");
  env["RESHIP_SUPERVISOR"] = (dir / "no-such-supervisor").string();
  const auto no_supervisor = run_command({entrypoint()}, 30s, env);
  CHECK(no_supervisor.exit_code == 2);
  CHECK_THAT(no_supervisor.err, Catch::Contains("set RESHIP_SUPERVISOR"));
}

TEST_CASE("docker entrypoint: a command instead of flags runs that command", "[packaging]") {
  TempDir dir;
  const auto r = run_command({entrypoint(), "echo", "a look inside"}, 30s, entrypoint_env(dir));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "a look inside\n");
}

TEST_CASE("docker entrypoint: under a restart loop, an edge restart brings a new supervisor and every service back",
          "[packaging][integration]") {
  TempDir dir;
  // A tag in every service's environment, to find them all at the end.
  const std::string tag = "RESHIP_PACKAGING_TEST=" + dir.path().string();
  std::string services;
  for (const char* name : {"web", "api"}) {
    services += std::string("[services.") + name + "]\ncommand = [\"" + kHelperBin + "\", \"sleep\"]\n" +
                "env = { RESHIP_PACKAGING_TEST = \"" + dir.path().string() + "\" }\n";
  }
  dir.write("reship.toml",
            "[supervisor]\nsocket = \"run/sv.sock\"\nstop_timeout = \"2s\"\n"
            "self_restart_exit_code = 75\n" +
                services);
  const std::string socket = (dir / "run/sv.sock").string();

  // What Docker's `restart: unless-stopped` does: start the entrypoint again
  // whatever its exit code, unless the container was stopped on purpose
  // (here: the file "stopped" exists). Each exit code goes to "exits". The
  // cap on runs only ends a loop gone wrong.
  auto env = entrypoint_env(dir);
  env["ENTRYPOINT"] = entrypoint();
  env["STATE"] = dir.path().string();
  ChildProcess loop({"sh", "-c",
                     "n=0; while :; do \"$ENTRYPOINT\" --log-level debug; rc=$?; echo \"$rc\" >> \"$STATE/exits\"; "
                     "[ -e \"$STATE/stopped\" ] && exit \"$rc\"; n=$((n + 1)); [ \"$n\" -lt 20 ] || exit 99; done"},
                    (dir / "log").string(), env);
  // The supervisors' output, read when a step fails (not before it ran).
  auto require = [&](bool ok, const char* step) {
    INFO(step << "\n--- supervisor output ---\n" << read_file(dir / "log"));
    REQUIRE(ok);
  };

  int first = 0;
  require(wait_until([&] { return (first = hello_pid(socket)) > 0; }, 15s), "the first supervisor answers");
  // The entrypoint exec'd the supervisor: the loop's own child, so it gets
  // the signals (as PID 1 would in a container).
  CHECK(parent_of(first) == loop.pid());
  std::map<std::string, int> before;
  require(wait_until([&] { return !(before = running_services(socket, 2)).empty(); }, 15s),
          "every service runs under the first supervisor");

  auto client = ipc::BlockingClient::connect(socket);
  REQUIRE(client.ok());
  std::vector<std::string> lines;
  bool edge_exiting = false;
  auto complete =
      client->request(R"({"id":"e","op":"restart","services":["edge"]})"
                      "\n",
                      "e",
                      [&](const ipc::Reply& r) {
                        lines.push_back(ipc::encode_reply(r.id, r.body));
                        if (const auto* done = r.as<ipc::RestartDone>(); done != nullptr && done->service == "edge") {
                          edge_exiting = done->ok && done->exiting && done->pid == std::optional<int>(first);
                        }
                      },
                      common::Millis(15000));
  std::string replies;
  for (const auto& l : lines) replies += l;
  INFO(replies << (complete.ok() ? std::string() : complete.error().message));
  require(complete.ok(), "the edge restart completes");
  CHECK(edge_exiting);
  CHECK(complete->as<ipc::RestartComplete>() != nullptr);

  // A new supervisor, started by the loop through the entrypoint again...
  int second = 0;
  require(wait_until([&] { return (second = hello_pid(socket)) > 0 && second != first; }, 15s),
          "a new supervisor answers");
  CHECK(parent_of(second) == loop.pid());
  CHECK(process_reaped(first));
  CHECK(read_file(dir / "exits") == "75\n");
  // ... with every service running in new processes, the old ones gone.
  std::map<std::string, int> after;
  require(wait_until([&] { return !(after = running_services(socket, 2)).empty(); }, 15s),
          "every service runs under the new supervisor");
  for (const auto& [name, pid] : before) {
    INFO(name);
    CHECK(after[name] != pid);
    CHECK(process_gone(pid));
  }

  // `docker stop`: SIGTERM to the supervisor, no restart. It stops every
  // service and exits 0, and nothing of the test is left running.
  std::ofstream(dir / "stopped").close();
  REQUIRE(::kill(second, SIGTERM) == 0);
  require(loop.wait(15s) == 0, "the loop ends with the supervisor's exit code 0");
  CHECK(read_file(dir / "exits") == "75\n0\n");
  CHECK(wait_until([&] { return processes_with_env(tag).empty(); }, 5s));
}

namespace {

// A stand-in for reship-supervisor that says who and how it was started:
// `--check` passes, anything else prints uid, umask and the arguments.
std::string fake_supervisor(const TempDir& dir) {
  const auto path = dir.write("fake-supervisor",
                              "#!/bin/sh\ncase \" $* \" in *' --check '*) exit 0 ;; esac\n"
                              "echo \"uid=$(id -u) umask=$(umask) args=$*\"\n");
  std::filesystem::permissions(path, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                         std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                         std::filesystem::perms::others_exec);
  return path.string();
}

// Lets every user into `dir` (TempDir makes it 0700), for the tests that
// run as another user.
void open_to_all(const TempDir& dir) {
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                               std::filesystem::perms::group_exec |
                                               std::filesystem::perms::others_read |
                                               std::filesystem::perms::others_exec);
}

}  // namespace

TEST_CASE("docker entrypoint: --config among the flags is the config, given once to the supervisor", "[packaging]") {
  TempDir dir;
  dir.write("other.toml", "[supervisor]\nsocket = \"run/sv.sock\"\n");
  auto env = entrypoint_env(dir);  // RESHIP_CONFIG names a file that does not exist
  env.erase("RESHIP_BACK");
  const std::string other = (dir / "other.toml").string();
  // The real supervisor: a second --config would be a usage error.
  for (const auto& flags : std::vector<std::vector<std::string>>{{"--config", other, "--check"},
                                                                  {"--config=" + other, "--check"},
                                                                  {"-c", other, "--check"}}) {
    std::vector<std::string> argv{entrypoint()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    const auto r = run_command(argv, 30s, env);
    INFO(flags[0] << "\n" << r.out << r.err);
    CHECK(r.exit_code == 0);
  }
  // Without one, the entrypoint adds RESHIP_CONFIG's, and files the services
  // create are not for everyone (umask 027).
  env["RESHIP_SUPERVISOR"] = fake_supervisor(dir);
  env["RESHIP_CONFIG"] = other;
  const auto plain = run_command({entrypoint(), "--log-format", "json"}, 30s, env);
  INFO(plain.out << plain.err);
  CHECK(plain.exit_code == 0);
  CHECK_THAT(plain.out, Catch::EndsWith("umask=0027 args=--config " + other + " --log-format json\n"));
}

TEST_CASE("docker entrypoint: a state directory it cannot write stops it with what to do", "[packaging]") {
  if (::geteuid() != 0 || !have_tool("setpriv")) {
    RESHIP_SKIP("needs root and setpriv, to run the entrypoint as another user");
  }
  TempDir dir;
  open_to_all(dir);
  dir.write("reship.toml", "[supervisor]\nsocket = \"run/sv.sock\"\n");
  std::filesystem::create_directory(dir / "state");  // root's, 0755: not nobody's to write
  auto env = entrypoint_env(dir);
  env["RESHIP_SUPERVISOR"] = fake_supervisor(dir);
  env["RESHIP_STATE_DIR"] = (dir / "state").string();
  env.erase("RESHIP_BACK");
  const auto r = run_command(
      {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", entrypoint()}, 30s, env);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains((dir / "state").string() + " (owner 0:0) is not writable by uid 65534:65534"));
  CHECK_THAT(r.err, Catch::Contains("chown -R 65534:65534 the directory mounted there, or start the container once "
                                    "as root"));
  CHECK(r.out.empty());  // the supervisor never started
}

TEST_CASE("docker entrypoint: started as root, it hands the state directory over and drops to RESHIP_USER",
          "[packaging]") {
  if (::geteuid() != 0 || !have_tool("setpriv")) {
    RESHIP_SKIP("needs root and setpriv");
  }
  TempDir dir;
  open_to_all(dir);
  dir.write("reship.toml", "[supervisor]\nsocket = \"run/sv.sock\"\n");
  dir.write("state/deploys.db", "");  // root's, as a bind mount from the host may be
  auto env = entrypoint_env(dir);
  env["RESHIP_SUPERVISOR"] = fake_supervisor(dir);
  env["RESHIP_STATE_DIR"] = (dir / "state").string();
  env["RESHIP_USER"] = "nobody";
  env.erase("RESHIP_BACK");
  const auto r = run_command({entrypoint()}, 30s, env);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("giving " + (dir / "state").string() + " to nobody (65534:65534)"));
  CHECK_THAT(r.out, Catch::StartsWith("uid=65534 "));
  for (const char* path : {"state", "state/deploys.db"}) {
    struct stat st{};
    REQUIRE(::stat((dir / path).c_str(), &st) == 0);
    CHECK(st.st_uid == 65534);
  }
  // RESHIP_USER=root keeps root, for services with `user =`.
  env["RESHIP_USER"] = "root";
  const auto as_root = run_command({entrypoint()}, 30s, env);
  CHECK_THAT(as_root.out, Catch::StartsWith("uid=0 "));
}
