// Load and soak: many deploys and control requests with memory and
// descriptors flat, many subscribers, many idle connections, and the
// daemons clean under valgrind. Figures go to the test output (for
// docs/performance.md).

#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <simdjson.h>

#include "tests/support/skip.hpp"
#include "tests/support/back_fixture.hpp"
#include "tests/support/binaries.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

struct Usage {
  long rss_kib = 0;
  size_t fds = 0;
  size_t connections = 0;            // connected sockets (not listening ones)
  std::vector<std::string> targets;  // what each descriptor is, for messages
};

// The inodes of every listening socket on the machine (TCP, TCP6, Unix), from
// /proc/net: a listener is a descriptor a daemon keeps; a connection is one
// that must go away once its client is done.
std::set<std::string> listening_inodes() {
  std::set<std::string> inodes;
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string sl, local, remote, state, queues, timer, retr, uid, timeout, inode;
      fields >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
      if (state == "0A") inodes.insert(inode);  // TCP_LISTEN
    }
  }
  std::ifstream in("/proc/net/unix");
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string num, refs, protocol, flags, type, state, inode;
    fields >> num >> refs >> protocol >> flags >> type >> state >> inode;
    if (flags == "00010000") inodes.insert(inode);  // __SO_ACCEPTCON: listening
  }
  return inodes;
}

Usage usage_of(pid_t pid) {
  Usage u;
  u.rss_kib = proc_status_kib(pid, "VmRSS");
  const auto listening = listening_inodes();
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++u.fds;
    const std::string target = std::filesystem::read_symlink(it->path(), ec).string();
    if (target.rfind("socket:[", 0) == 0 && listening.count(target.substr(8, target.size() - 9)) == 0) {
      ++u.connections;
    }
    u.targets.push_back(it->path().filename().string() + " -> " + target);
  }
  return u;
}

const char* kConfig = R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
[back]
listen = @listen
state_dir = "state"
keep_logs = 50
[builds]
platform = ["true"]
)";

}  // namespace

TEST_CASE("soak: 2,000 deploys back to back, reship-back's memory and descriptors stay bounded",
          "[integration][slow][soak]") {
  BackFixture f(kConfig);
  f.start_back();
  // Descriptors at rest: every client connection closed. The server closes
  // a connection once its client has read the answer and closed its side
  // (or after the linger timeout, 2 s), which on a busy machine can take a
  // moment: each measure waits for that, so that the counts compare like
  // with like, and a connection that never closes fails the check below.
  const auto settled = [&] {
    Usage u;
    wait_until([&] { u = usage_of(f.back()->pid()); return u.connections == 0; }, 10s);
    return u;
  };
  Usage at_100;
  Usage at_1000;
  for (int i = 1; i <= 2000; ++i) {
    auto r = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
    REQUIRE(r.status == 200);
    if (i == 100) at_100 = settled();
    if (i == 1000) at_1000 = settled();
  }
  const Usage at_2000 = settled();
  WARN("soak: reship-back RSS/fds after 100 deploys: " << at_100.rss_kib << " KiB, " << at_100.fds
                                                       << "; after 1000: " << at_1000.rss_kib << " KiB, "
                                                       << at_1000.fds << "; after 2000: " << at_2000.rss_kib
                                                       << " KiB, " << at_2000.fds);
  // No descriptor accumulates, and no connection outlives its client.
  CHECK(at_100.connections == 0);
  CHECK(at_1000.connections == 0);
  CHECK(at_2000.connections == 0);
  INFO("at 100: " << Catch::Detail::stringify(at_100.targets));
  INFO("at 1000: " << Catch::Detail::stringify(at_1000.targets));
  INFO("at 2000: " << Catch::Detail::stringify(at_2000.targets));
  CHECK(at_1000.fds <= at_100.fds);
  CHECK(at_2000.fds <= at_100.fds);
  // Memory grows only while the ring of recent events (2 MiB) fills, then
  // stays put. (Under ASan, whose quarantine holds freed memory, only
  // descriptors are checked.)
#ifndef RESHIP_SANITIZED
  CHECK(at_1000.rss_kib - at_100.rss_kib < 3072);
  CHECK(at_2000.rss_kib - at_1000.rss_kib < 768);
#endif
  // Retention kept 50 logs.
  size_t logs = 0;
  for (const auto& e : std::filesystem::directory_iterator(f.dir().path() / "state/logs")) {
    logs += e.path().extension() == ".log";
  }
  CHECK(logs == 50);
}

TEST_CASE("soak: 10,000 control requests, the supervisor's memory and descriptors stay flat",
          "[integration][slow][soak]") {
  SupervisorFixture sup(R"(
[services.web]
command = ["@helper", "sleep"]
)");
  sup.start();
  auto client = ipc::BlockingClient::connect(sup.socket());
  REQUIRE(client.ok());
  Usage at_100;
  for (int i = 1; i <= 10'000; ++i) {
    const std::string id = std::to_string(i);
    auto reply = client->request(R"({"id":")" + id + R"(","op":"status"})" "\n", id, nullptr, common::Millis(5000));
    REQUIRE(reply.ok());
    if (i == 100) at_100 = usage_of(sup.process()->pid());
  }
  const Usage at_end = usage_of(sup.process()->pid());
  WARN("soak: reship-supervisor after 100 requests: RSS " << at_100.rss_kib << " KiB, " << at_100.fds
                                                         << " fds; after 10000: RSS " << at_end.rss_kib << " KiB, "
                                                         << at_end.fds << " fds");
  CHECK(at_end.fds == at_100.fds);
#ifndef RESHIP_SANITIZED
  CHECK(at_end.rss_kib - at_100.rss_kib < 512);
#endif
}

TEST_CASE("soak: 500 concurrent SSE subscribers all see a deploy to its end", "[integration][slow][soak]") {
  BackFixture f(kConfig);
  f.start_back();
  std::vector<TestClient> subscribers;
  for (int i = 0; i < 500; ++i) {
    subscribers.push_back(f.client());
    REQUIRE(subscribers.back().send("GET /api/v1/events HTTP/1.0\r\nHost: t\r\n\r\n"));
  }
  for (auto& s : subscribers) REQUIRE(s.wait_for_bytes(": reship events", 10s));
  auto r = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  REQUIRE(r.status == 200);
  int complete = 0;
  for (auto& s : subscribers) complete += s.wait_for_bytes("event: deploy.done", 10s) ? 1 : 0;
  CHECK(complete == 500);
  auto metrics = f.request("GET", "/metrics");
  CHECK_THAT(metrics.body, Catch::Contains("reship_event_subscribers 500"));
}

TEST_CASE("soak: 5,000 idle connections hit the limit with 503, no descriptor runs out",
          "[integration][slow][soak]") {
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_max < 6000) {
    RESHIP_SKIP("the descriptor limit (" + std::to_string(files.rlim_max) + ") is below 6000");
  }
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  BackFixture f(kConfig, /*tcp=*/true);
  f.start_back();
  const Usage before = usage_of(f.back()->pid());
  std::vector<TestClient> idle;
  for (int i = 0; i < 5000; ++i) {
    idle.push_back(TestClient::tcp(f.port()));
    REQUIRE(idle.back().connected());
  }
  // Past max_connections (1024) every connection is answered 503 (or, when
  // too many are being refused at once, just closed); the accepted ones stay
  // open and idle.
  std::vector<pollfd> fds;
  for (const auto& c : idle) fds.push_back({c.fd(), POLLIN, 0});
  size_t ended = 0;
  wait_until([&] {
    ::poll(fds.data(), fds.size(), 100);
    ended = 0;
    for (const auto& p : fds) ended += p.revents != 0;
    return ended >= 5000 - 1024;
  }, 20s);
  size_t answered_503 = 0;
  for (size_t i = 0; i < idle.size(); ++i) {
    char head[64];
    const ssize_t n = fds[i].revents != 0 ? ::recv(fds[i].fd, head, sizeof head, MSG_DONTWAIT | MSG_PEEK) : 0;
    if (n > 0 && std::string_view(head, static_cast<size_t>(n)).find(" 503 ") != std::string_view::npos) {
      ++answered_503;
    }
  }
  WARN("soak: of 5000 idle connections, " << 5000 - ended << " were kept, " << ended << " refused ("
                                          << answered_503 << " of them with a 503 answer)");
  CHECK(ended >= 5000 - 1024);
  CHECK(answered_503 > 0);
  // Still serving once they go, and every descriptor is given back.
  idle.clear();
  CHECK(wait_until([&] { return f.request("GET", "/healthz").status == 200; }, 10s));
  CHECK(wait_until([&] { return usage_of(f.back()->pid()).fds <= before.fds + 2; }, 10s));
}

TEST_CASE("soak: both daemons run a few deploys under valgrind without an error or a leak",
          "[integration][slow][valgrind]") {
#ifdef RESHIP_SANITIZED
  RESHIP_SKIP("valgrind cannot run sanitized binaries (the default build runs this test)");
#endif
  if (run_command({"sh", "-c", "command -v valgrind"}).exit_code != 0) {
    RESHIP_SKIP("valgrind is not installed");
  }
  BackFixture f(kConfig);
  const std::string vg = "valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "
                         "--show-leak-kinds=definite --track-fds=no --quiet";
  // The supervisor runs reship-back too: both under valgrind.
  f.dir().write("vg.sh", "#!/bin/sh\nexec " + vg + " --log-file=\"$VG_LOG\" \"$@\"\n");
  std::filesystem::permissions(f.dir() / "vg.sh", std::filesystem::perms::owner_all);
  ChildProcess sup({(f.dir() / "vg.sh").string(), kSupervisorBin, "--config", f.config_path()},
                   (f.dir().path() / "supervisor.log").string(), {{"VG_LOG", (f.dir() / "vg-supervisor.log").string()}});
  REQUIRE(wait_until([&] { return ipc::BlockingClient::connect(f.supervisor().socket()).ok(); }, 60s));
  ChildProcess back({(f.dir() / "vg.sh").string(), kBackBin, "--config", f.config_path()},
                    (f.dir().path() / "back.log").string(), {{"VG_LOG", (f.dir() / "vg-back.log").string()}});
  f.wait_back_ready(60s);
  for (int i = 0; i < 3; ++i) {
    CHECK(f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform"})", "", 60s).status == 200);
  }
  back.signal(SIGTERM);
  const int back_exit = back.wait(60s);
  sup.signal(SIGTERM);
  const int sup_exit = sup.wait(60s);
  INFO(read_file(f.dir() / "vg-back.log") << read_file(f.dir() / "vg-supervisor.log"));
  CHECK(back_exit == 0);
  CHECK(sup_exit == 0);
  CHECK(read_file(f.dir() / "vg-back.log").find("definitely lost") == std::string::npos);
  CHECK(read_file(f.dir() / "vg-supervisor.log").find("ERROR SUMMARY") == std::string::npos);
}

TEST_CASE("soak: WebSocket and log-follow readers that never read hold a bounded amount each, given back after",
          "[integration][slow][soak]") {
  // A build of some 40 MB of output: far more than any reader may be held.
  BackFixture f(R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
[back]
listen = @listen
state_dir = "state"
[builds]
platform = ["sh", "-c", "head -c 30000000 /dev/zero | od -v -An -tx1 | head -c 40000000"]
)");
  f.start_back();
  auto built = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  REQUIRE(built.status == 200);
  simdjson::dom::parser parser;
  const std::string id(parser.parse(built.body)["deployId"].get_string().value());
  const long rest_kib = proc_status_kib(f.back()->pid(), "VmRSS");
  constexpr int kReaders = 100;
  std::vector<TestClient> readers;
  for (int i = 0; i < kReaders; ++i) {
    // A small receive buffer: the server's side holds what does not fit.
    readers.push_back(f.client());
    int small = 4096;
    ::setsockopt(readers.back().fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    if (i % 2 == 0) {
      REQUIRE(readers.back().ws_handshake("/api/v1/ws?since=0").has_value());
    } else {
      REQUIRE(readers.back().get("/api/v1/deploys/" + id + "/log?follow=1"));
    }
  }
  // Once every reader's queue is full, the server's memory stops growing.
  long held_kib = 0;
  long previous = -1;
  // (Sampled every half second, until two samples agree, within 30 s.)
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    held_kib = proc_status_kib(f.back()->pid(), "VmRSS");
    if (previous >= 0 && held_kib - previous < 256) break;
    previous = held_kib;
    std::this_thread::sleep_for(500ms);
  }
  const double per_reader_mib = static_cast<double>(held_kib - rest_kib) / 1024.0 / kReaders;
  std::printf("memory per silent reader (50 WebSocket, 50 log?follow=1, 40 MB log): %.2f MiB\n", per_reader_mib);
  CHECK(f.request("GET", "/healthz").status == 200);
#ifndef RESHIP_SANITIZED
  CHECK(per_reader_mib <= 1.3);
#endif
  const size_t connections = usage_of(f.back()->pid()).connections;
  readers.clear();
  // Every reader's connection ends, and much of their memory goes back to
  // the system (the heap trimmed; what fragmentation keeps is reused).
  CHECK(wait_until([&] { return usage_of(f.back()->pid()).connections + kReaders <= connections; }, 20s));
  long after_kib = 0;
  const bool given_back = wait_until([&] {
    after_kib = proc_status_kib(f.back()->pid(), "VmRSS");
    return after_kib < held_kib - (held_kib - rest_kib) / 4;
  }, 20s);
#ifndef RESHIP_SANITIZED
  CHECK(given_back);  // (the sanitizer's allocator keeps freed memory in quarantine)
#else
  (void)given_back;
#endif
  std::printf("reship-back RSS: %ld KiB at rest, %ld KiB with the readers, %ld KiB after they left\n", rest_kib,
              held_kib, after_kib);
}
