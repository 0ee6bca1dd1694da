// Faults around reship-back: its build killed, itself killed at each phase
// of a deploy, a full disk, a damaged or busy database, a jumping clock,
// secrets in the environment.

#include <catch2/catch.hpp>

#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include <simdjson.h>

#include "tests/support/skip.hpp"
#include "tests/support/back_fixture.hpp"
#include "tests/support/binaries.hpp"

using namespace reship::test;
using namespace std::chrono_literals;

namespace {

std::string field(const std::string& body, const char* key) {
  simdjson::dom::parser parser;
  std::string_view v;
  if (parser.parse(body)[key].get_string().get(v)) return "";
  return std::string(v);
}

// The pid a build printed as "pid=N".
pid_t printed_pid(const std::string& log) {
  std::smatch m;
  if (!std::regex_search(log, m, std::regex("build pid=([0-9]+)"))) return 0;
  return static_cast<pid_t>(std::stol(m[1].str()));
}

std::string config(const std::string& builds, const std::string& extra_services = "",
                   const std::string& platform = "web") {
  return R"(
[services.web]
command = ["@helper", "sleep"]
)" + extra_services + R"(
[scopes]
platform = [")" + platform + R"("]
other = ["web"]
[back]
listen = @listen
state_dir = "state"
[builds]
)" + builds;
}

// A second reship-back on the same state_dir (its own socket) exits 2,
// naming the first one's pid.
void check_second_refused(BackFixture& f) {
  std::string config_text = read_file(f.config_path());
  config_text.replace(config_text.find("unix:run/back.sock"), 18, "unix:run/other.sock");
  const auto second = f.dir().write("second.toml", config_text);
  auto r = run_command({kBackBin, "--config", second.string()}, 10s);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("another reship-back (pid " + std::to_string(f.back()->pid()) + ") uses the state_dir"));
}

}  // namespace

TEST_CASE("back faults: a build killed by SIGKILL from outside fails with the signal and says out of memory?", "[integration][faults]") {
  BackFixture f(config(R"(platform = ["sh", "-c", "echo build pid=$$; exec sleep 30"])"));
  f.start_back();
  auto created = f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build"})");
  const std::string id = field(created.body, "deployId");
  const auto log = f.dir().path() / "state/logs" / (id + ".log");
  pid_t pid = 0;
  REQUIRE(wait_until([&] { return (pid = printed_pid(read_file(log))) > 0; }, 10s));
  ::kill(pid, SIGKILL);
  auto done = f.request("GET", "/api/v1/deploys/" + id + "?wait=20");
  CHECK(field(done.body, "status") == "failed");
  CHECK(field(done.body, "signal") == "KILL");
  CHECK_THAT(field(done.body, "errorSummary"), Catch::StartsWith("build failed: killed by SIGKILL (out of memory?)"));
}

namespace {

// The pid a build printed as "NAME pid=N".
pid_t pid_named(const std::string& log, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(log, m, std::regex(name + " pid=([0-9]+)"))) return 0;
  return static_cast<pid_t>(std::stol(m[1].str()));
}

}  // namespace

TEST_CASE("back faults: what a build starts with setsid, double forks or a clean environment ends with its deploy",
          "[integration][faults]") {
  // One escapes the process group (setsid), one the group and the
  // environment too (env -i), one double-forks; all hold no output pipe.
  BackFixture f(config(R"(platform = ["sh", "-c", "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo setsid pid=$!; setsid env -i /bin/sleep 301 </dev/null >/dev/null 2>&1 & echo clean pid=$!; (sleep 302 </dev/null >/dev/null 2>&1 & echo forked pid=$!) ; echo built"])"));
  f.start_back();
  auto answer = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  INFO(answer.body);
  REQUIRE(field(answer.body, "status") == "succeeded");
  const std::string id = field(answer.body, "deployId");
  const std::string log = read_file(f.dir().path() / "state/logs" / (id + ".log"));
  INFO(log);
  const pid_t escaped[] = {pid_named(log, "setsid"), pid_named(log, "clean"), pid_named(log, "forked")};
  const bool in_cgroup = log.find("[reship] build runs in cgroup ") != std::string::npos;
  int left = 0;
  for (const pid_t pid : escaped) {
    REQUIRE(pid > 0);
    // Without a cgroup, only the environment finds a process that left the
    // group, and `env -i` took that away.
    if (!in_cgroup && pid == escaped[1]) continue;
    // SIGTERM was sent when the deploy ended; the process is reaped a moment later.
    if (!wait_until([&] { return process_gone(pid); }, 10s)) ++left;
  }
  std::printf("processes left after a build that called setsid and double-forked (%s): %d of 3\n",
              in_cgroup ? "in a cgroup" : "no cgroup", left);
  CHECK(left == 0);
  CHECK_THAT(log, Catch::Contains("[reship] stopped 3 processes the build left running") ||
                      Catch::Contains("[reship] stopped 2 processes the build left running"));
  if (!in_cgroup) RESHIP_SKIP("no cgroup could be made here: the env -i case was not checked");
}

TEST_CASE("back faults: a build past build_memory_max is killed by the OOM killer and says out of memory",
          "[integration][faults]") {
  std::string text = config(R"(platform = ["@helper", "allocate", "1024"])");
  text.replace(text.find("state_dir = \"state\""), 19, "state_dir = \"state\"\nbuild_memory_max = 67108864");
  BackFixture f(text);
  f.start_back();
  auto answer = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  INFO(answer.body);
  const std::string log = read_file(f.dir().path() / "state/logs" / (field(answer.body, "deployId") + ".log"));
  INFO(log);
  if (log.find("(memory.") == std::string::npos) {
    RESHIP_SKIP("no memory cgroup here (cgroup v2 with memory delegated, or v1's memory controller, as root)");
  }
  CHECK(field(answer.body, "status") == "failed");
  CHECK(field(answer.body, "signal") == "KILL");
  CHECK_THAT(field(answer.body, "errorSummary"),
             Catch::Matches("build failed: killed by signal KILL; out of memory: the build's cgroup hit "
                            "memory\\.(max|limit_in_bytes) \\(64 MiB\\)(\n[^]*)?"));
}

TEST_CASE("back faults: killed with a deploy queued, the next start runs it", "[integration][faults]") {
  BackFixture f(config(R"(platform = ["sh", "-c", "echo build pid=$$; sleep 30"]
other = ["sh", "-c", "echo other built"])"));
  f.start_supervisor();
  f.start_back();
  const std::string running = field(f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build"})").body, "deployId");
  const std::string queued = field(f.request("POST", "/api/v1/deploys", R"({"scope":"other","mode":"build"})").body, "deployId");
  REQUIRE(wait_until([&] { return printed_pid(read_file(f.dir().path() / "state/logs" / (running + ".log"))) > 0; }, 10s));
  f.back()->signal(SIGKILL);
  f.back()->wait(5s);
  f.start_back();
  CHECK(field(f.request("GET", "/api/v1/deploys/" + running).body, "status") == "interrupted");
  auto resumed = f.request("GET", "/api/v1/deploys/" + queued + "?wait=20");
  CHECK(field(resumed.body, "status") == "succeeded");
}

TEST_CASE("back faults: a deploy that ended but whose record was never saved is recovered as its log says",
          "[integration][faults]") {
  BackFixture f(config(R"(platform = ["sh", "-c", "echo '[reship] deploy failed after 0.1 s'; echo built"])"));
  f.start_back();
  auto answer = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  INFO(answer.body);
  REQUIRE(field(answer.body, "status") == "succeeded");
  CHECK_THAT(answer.body, Catch::Contains("\"durable\":true"));
  const std::string id = field(answer.body, "deployId");
  f.back()->signal(SIGKILL);
  f.back()->wait(5s);
  // As if the database had refused the last saves (a full disk): the record
  // stayed where the deploy was still building.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((f.dir().path() / "state/deploys.db").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, ("UPDATE deploys SET status = 'building', finished_at = NULL WHERE id = '" + id + "'").c_str(),
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  f.start_back();
  auto record = f.request("GET", "/api/v1/deploys/" + id);
  INFO(record.body);
  // The caller was told "succeeded"; the record says so too. The build's own
  // line "[reship] deploy failed" is on the build's stream: not evidence.
  CHECK(field(record.body, "status") == "succeeded");
}

TEST_CASE("back faults: an interrupted deploy's durationMs runs until its log's last line", "[integration][faults]") {
  BackFixture f(config(R"(platform = ["sh", "-c", "echo build pid=$$; sleep 1; echo $((6 * 7)); sleep 30"])"));
  f.start_back();
  const std::string id = field(f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build"})").body, "deployId");
  const auto log = f.dir().path() / "state/logs" / (id + ".log");
  // The command is in the log too: its output, not its text, is the sign.
  REQUIRE(wait_until([&] { return read_file(log).find("\n42\n") != std::string::npos; }, 10s));
  f.back()->signal(SIGKILL);
  f.back()->wait(5s);
  f.start_back();
  auto record = f.request("GET", "/api/v1/deploys/" + id);
  INFO(record.body);
  CHECK(field(record.body, "status") == "interrupted");
  simdjson::dom::parser parser;
  const int64_t duration = parser.parse(record.body)["durationMs"].get_int64().value();
  CHECK(duration >= 900);
  CHECK(duration < 20'000);
}

TEST_CASE("back faults: a stalled supervisor: the deploy says the restart may still happen, and records it when it does",
          "[integration][faults]") {
  const int port = free_port();
  // A restart that takes a moment (the service is ready 1.5 s after its
  // start), so that the supervisor can be stopped in the middle of it.
  BackFixture f(config(R"(platform = ["true"])", R"(
[services.slow]
command = ["@helper", "listen", ")" + std::to_string(port) + R"(", "1500"]
ready = "tcp://127.0.0.1:)" + std::to_string(port) + R"("
ready_timeout = "2s"
stop_timeout = "1s"
)", "slow"));
  f.start_supervisor();
  REQUIRE(f.supervisor().wait_state("slow", "running", 10s));
  f.start_back();
  const std::string id = field(f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"restart"})").body, "deployId");
  REQUIRE(wait_until([&] { return field(f.request("GET", "/api/v1/deploys/" + id).body, "status") == "restarting"; }, 10s));
  const pid_t supervisor = f.supervisor().process()->pid();
  ::kill(supervisor, SIGSTOP);
  // restart timeout: stop 1 s + ready 2 s + 15 s of slack.
  auto done = f.request("GET", "/api/v1/deploys/" + id + "?wait=40");
  ::kill(supervisor, SIGCONT);
  INFO(done.body);
  CHECK(field(done.body, "status") == "failed");
  const std::string summary = field(done.body, "errorSummary");
  CHECK_THAT(summary, Catch::Contains("did not answer within") && Catch::Contains("may still be carried out"));
  CHECK_THAT(summary, !Catch::Contains("nothing was restarted"));
  // Continued, the supervisor finishes the restart; the record learns it.
  std::string record;
  CHECK(wait_until([&] {
    record = f.request("GET", "/api/v1/deploys/" + id).body;
    return record.find(R"("service":"slow","ok":true)") != std::string::npos;
  }, 20s));
  INFO(record);
  CHECK(field(record, "status") == "failed");  // what the caller was told stays
}

TEST_CASE("back faults: killed while restarting services, the record says interrupted", "[integration][faults]") {
  const int port = free_port();
  BackFixture f(config(R"(platform = ["sh", "-c", "echo built"])", R"(
[services.slow]
command = ["@helper", "listen", ")" + std::to_string(port) + R"(", "3000"]
ready = "tcp://127.0.0.1:)" + std::to_string(port) + R"("
)", "slow"));
  f.start_supervisor();
  REQUIRE(f.supervisor().wait_state("slow", "running", 10s));
  f.start_back();
  const std::string id = field(f.request("POST", "/api/v1/deploys", R"({"scope":"platform"})").body, "deployId");
  REQUIRE(wait_until([&] { return field(f.request("GET", "/api/v1/deploys/" + id).body, "status") == "restarting"; }, 10s));
  f.back()->signal(SIGKILL);
  f.back()->wait(5s);
  f.start_back();
  auto record = f.request("GET", "/api/v1/deploys/" + id);
  CHECK(field(record.body, "status") == "interrupted");
  CHECK_THAT(field(record.body, "errorSummary"), Catch::StartsWith("reship-back stopped while this deploy was restarting"));
  // The restart itself was the supervisor's: it went on to its end.
  CHECK(f.supervisor().wait_state("slow", "running", 10s));
}

TEST_CASE("back faults: killed right after answering, the record is final and complete", "[integration][faults]") {
  BackFixture f(config(R"(platform = ["sh", "-c", "echo built"])"));
  f.start_supervisor();
  f.start_back();
  auto answer = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform"})");
  CHECK(answer.status == 200);
  const std::string id = field(answer.body, "deployId");
  f.back()->signal(SIGKILL);  // as soon as the answer is out
  f.back()->wait(5s);
  f.start_back();
  auto record = f.request("GET", "/api/v1/deploys/" + id);
  CHECK(field(record.body, "status") == "succeeded");
  auto log = f.request("GET", "/api/v1/deploys/" + id + "/log");
  CHECK_THAT(log.body, Catch::Contains("\n[reship] deploy succeeded after "));
}

TEST_CASE("back faults: a full state dir gives a clear error, no crash, nothing lost", "[integration][faults]") {
  if (::geteuid() != 0) {
    RESHIP_SKIP("mounting a small tmpfs needs root");
  }
  BackFixture f(config(R"(platform = ["sh", "-c", "for i in $(seq 40000); do echo line $i of a build that writes far more than the disk holds; done"])"));
  const auto state = f.dir().path() / "state";
  std::filesystem::create_directories(state);
  if (::mount("tmpfs", state.c_str(), "tmpfs", 0, "size=1m") != 0) {
    RESHIP_SKIP("cannot mount a tmpfs here");
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{state.string()};
  f.start_supervisor();
  f.start_back();
  auto answer = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  INFO(answer.body);
  CHECK(answer.status == 200);  // the build itself succeeded
  // Whichever of the log and its index meets the full disk first says so.
  CHECK_THAT(field(answer.body, "errorSummary"),
             Catch::Matches("the log is incomplete: cannot write the log( index)?: No space left on device"));
  // The API still serves the record, the daemon is alive.
  const std::string id = field(answer.body, "deployId");
  auto record = f.request("GET", "/api/v1/deploys/" + id);
  CHECK(record.status == 200);
  CHECK_THAT(field(record.body, "errorSummary"), Catch::Contains("No space left on device"));
  CHECK(f.request("GET", "/healthz").status == 200);
}

namespace {

// The seqs (SSE "id:" lines) of one deploy's events, from the stream that
// ends after its deploy.done.
std::vector<uint64_t> event_seqs(BackFixture& f, const std::string& id) {
  auto r = f.request("GET", "/api/v1/events?since=0&deployId=" + id, "", "", 60s);
  std::vector<uint64_t> seqs;
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("id: ", 0) == 0) seqs.push_back(std::stoull(line.substr(4)));
  }
  return seqs;
}

}  // namespace

TEST_CASE("back faults: seqs handed out while the disk is full are never handed out again after a crash",
          "[integration][faults]") {
  if (::geteuid() != 0) {
    RESHIP_SKIP("mounting a small tmpfs needs root");
  }
  // 15,000 events: more than one block of reserved seqs, so numbering has
  // to reserve more while the database cannot write.
  // The build waits for the file "go" (in the workdir, not on the small
  // disk): its deploy is recorded before the disk fills up.
  BackFixture f(config(R"(platform = ["sh", "-c", "while [ ! -f go ]; do sleep 0.05; done; seq 15000"]
other = ["true"])"));
  const auto state = f.dir().path() / "state";
  std::filesystem::create_directories(state);
  if (::mount("tmpfs", state.c_str(), "tmpfs", 0, "size=4m") != 0) {
    RESHIP_SKIP("cannot mount a tmpfs here");
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{state.string()};
  // The logs on a disk of their own with room: the build's 15,000 lines
  // become events, while the database (on the full one) cannot reserve
  // seqs for them.
  const auto logs = state / "logs";
  std::filesystem::create_directories(logs);
  REQUIRE(::mount("tmpfs", logs.c_str(), "tmpfs", 0, "size=64m") == 0);
  Unmount unmount_logs{logs.string()};
  f.start_supervisor();
  f.start_back();
  auto created = f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build"})");
  REQUIRE(created.status == 202);
  const std::string before_id = field(created.body, "deployId");
  // The disk fills up under the running reship-back.
  {
    std::ofstream filler(state / "filler", std::ios::binary);
    const std::string block(64 * 1024, 'x');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  f.dir().write("go", "");
  auto answer = f.request("GET", "/api/v1/deploys/" + before_id + "?wait=60", "", "", 70s);
  INFO(answer.body);
  CHECK(field(answer.body, "status") == "succeeded");
  CHECK_THAT(answer.body, Catch::Contains("\"durable\":false"));
  const auto before = event_seqs(f, before_id);
  REQUIRE_FALSE(before.empty());
  const uint64_t last_before = *std::max_element(before.begin(), before.end());
  std::cout << "full disk: deploy " << before_id << " published " << before.size() << " events, up to seq "
            << last_before << "\n";
  // A crash (no clean stop hands seqs back), room again, a new start.
  f.back()->signal(SIGKILL);
  REQUIRE(f.back()->wait(10s) == 128 + SIGKILL);
  std::filesystem::remove(state / "filler");
  f.start_back();
  auto after = f.request("POST", "/api/v1/self/deploy", R"({"scope":"other","mode":"build"})", "", 30s);
  INFO(after.body);
  const auto seqs = event_seqs(f, field(after.body, "deployId"));
  REQUIRE_FALSE(seqs.empty());
  std::cout << "after the crash: the next deploy's events start at seq " << seqs.front() << "\n";
  // A client resuming with Last-Event-ID = last_before misses none of them.
  CHECK(*std::min_element(seqs.begin(), seqs.end()) > last_before);
  CHECK(before.size() > 10'000);  // past the block reserved before the disk filled
}

TEST_CASE("back faults: a damaged database stops the start with exit 2 and advice", "[integration][faults]") {
  TempDir dir;
  dir.write("state/deploys.db", std::string(16384, 'x'));
  const auto file = dir.write("reship.toml", "[back]\nlisten = [\"unix:b.sock\"]\nstate_dir = \"state\"\n").string();
  auto r = run_command({kBackBin, "--config", file}, 10s);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("is damaged") && Catch::Contains("move it aside"));
}

TEST_CASE("back faults: a database locked by another process stops the start with exit 2", "[integration][faults]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "state");
  const auto file = dir.write("reship.toml", "[back]\nlisten = [\"unix:b.sock\"]\nstate_dir = \"state\"\n").string();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir / "state/deploys.db").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "PRAGMA locking_mode=EXCLUSIVE; CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  auto r = run_command({kBackBin, "--config", file}, 20s);
  sqlite3_close(db);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("is locked"));
}

TEST_CASE("back faults: a second reship-back on the same state_dir refuses to start", "[integration][faults]") {
  BackFixture f(config(R"(platform = ["true"])"));
  f.start_back();
  check_second_refused(f);
}

TEST_CASE("back faults: a state dir deleted or replaced under reship-back is noticed, and a second one still refused",
          "[integration][faults]") {
  BackFixture f(config(R"(platform = ["true"])"));
  f.start_back();
  REQUIRE(f.request("GET", "/healthz").status == 200);
  const auto state = f.dir().path() / "state";
  SECTION("deleted") { std::filesystem::remove_all(state); }
  SECTION("replaced by another folder") {
    std::filesystem::rename(state, f.dir().path() / "state.old");
    std::filesystem::create_directories(state);
  }
  auto health = f.request("GET", "/healthz");
  INFO(health.body);
  CHECK(health.status == 503);
  CHECK_THAT(health.body, Catch::Contains("\"ok\":false") && Catch::Contains("restart reship-back"));
  auto refused = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  INFO(refused.body);
  CHECK(refused.status == 500);
  CHECK_THAT(refused.body, Catch::Contains("while reship-back ran"));
  // The folder is made again by a second instance: it is refused all the same.
  check_second_refused(f);
}

TEST_CASE("back faults: durations come from a monotonic clock, whatever the wall clock does",
          "[integration][faults]") {
#ifdef RESHIP_SANITIZED
  RESHIP_SKIP("faketime's preload cannot come before the sanitizer runtime (the default build runs this test)");
#endif
  if (run_command({"sh", "-c", "command -v faketime"}).exit_code != 0) {
    RESHIP_SKIP("faketime is not installed (apt-get install faketime)");
  }
  // The build itself runs with a clean environment: faketime's preload must
  // not speed up its sleep.
  BackFixture f(config(R"(platform = ["env", "-i", "PATH=/usr/bin:/bin", "sleep", "0.5"])"));
  // The wall clock runs ten times too fast for reship-back; the monotonic
  // clock is left alone.
  f.dir().write("fake.sh", "#!/bin/sh\nFAKETIME_DONT_FAKE_MONOTONIC=1 exec faketime -f '+0 x10' \"$@\"\n");
  std::filesystem::permissions(f.dir() / "fake.sh", std::filesystem::perms::owner_all);
  ChildProcess back({(f.dir() / "fake.sh").string(), kBackBin, "--config", f.config_path()},
                    (f.dir().path() / "back.log").string());
  f.wait_back_ready();
  auto answer = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  simdjson::dom::parser parser;
  const int64_t duration = parser.parse(answer.body)["durationMs"].get_int64().value();
  CHECK(duration >= 450);
  CHECK(duration < 3000);  // not ten times 500 ms
}

TEST_CASE("back faults: builds never see the tokens or reship-back's secrets", "[integration][faults]") {
  BackFixture f(config(R"(platform = ["env"])"));
  ChildProcess back({kBackBin, "--config", f.config_path()}, (f.dir().path() / "back.log").string(),
                    {{"RESHIP_TOKEN", "s3cret-token-value"}});
  f.wait_back_ready();
  auto answer = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  const std::string id = field(answer.body, "deployId");
  const std::string log = f.request("GET", "/api/v1/deploys/" + id + "/log").body;
  CHECK_THAT(log, Catch::Contains("RESHIP_DEPLOY_ID=" + id));
  CHECK(log.find("s3cret-token-value") == std::string::npos);
  CHECK(log.find("RESHIP_TOKEN") == std::string::npos);
}
