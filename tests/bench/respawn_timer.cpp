// bench-respawn: times crash -> respawn from kill() to the first instruction
// of the new child.
//
//   bench-respawn --stamp FILE [--count N] [--min-age-ms MS] [--timeout-ms MS]
//
// FILE is the stamp file of a bench-stamp child run by the supervisor under
// test: one line "PID MONOTONIC_NS" per start. For each of N samples it
// takes the newest line's pid, waits until that child has run MIN_AGE (every
// supervisor delays the restart of a child that died young: 1 s for runit,
// s6 and reship, so the default is 1.1 s), reads CLOCK_MONOTONIC, sends
// SIGKILL, waits (inotify, no polling) for a line with another pid, and
// prints the new child's stamp minus the kill time, in microseconds. Exits 1
// when no new child starts within the timeout (default 10 s).

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>

#include <fstream>
#include <string>

#include "tests/bench/bench_common.hpp"

namespace {

struct Stamp {
  long pid = 0;
  int64_t ns = 0;
};

Stamp last_stamp(const std::string& path) {
  std::ifstream in(path);
  Stamp s;
  std::string line;
  while (std::getline(in, line)) {
    long pid = 0;
    long long ns = 0;
    if (std::sscanf(line.c_str(), "%ld %lld", &pid, &ns) == 2) s = {pid, ns};
  }
  return s;
}

void sleep_ns(int64_t ns) {
  if (ns <= 0) return;
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Waits for a change of the file, or until `deadline`; false on timeout.
bool wait_change(int ino, int64_t deadline) {
  const int64_t left_ms = (deadline - bench::now_ns()) / 1'000'000;
  if (left_ms <= 0) return false;
  pollfd p{ino, POLLIN, 0};
  const int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left_ms, 100)));
  if (rc > 0) {
    char buf[4096];
    while (::read(ino, buf, sizeof buf) > 0) {
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  int count = 1;
  int64_t min_age_ms = 1100;
  int64_t timeout_ms = 10000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--stamp" && i + 1 < argc) {
      path = argv[++i];
    } else if (a == "--count" && i + 1 < argc) {
      count = std::atoi(argv[++i]);
    } else if (a == "--min-age-ms" && i + 1 < argc) {
      min_age_ms = std::atoll(argv[++i]);
    } else if (a == "--timeout-ms" && i + 1 < argc) {
      timeout_ms = std::atoll(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: bench-respawn --stamp FILE [--count N] [--min-age-ms MS] [--timeout-ms MS]\n");
      return 2;
    }
  }
  if (path.empty()) bench::die("bench-respawn: --stamp FILE is required");
  const int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (ino < 0) bench::die(bench::errno_text("inotify_init1"));

  for (int n = 0; n < count; ++n) {
    // The current child: wait for its first stamp if it has none yet.
    int64_t deadline = bench::now_ns() + timeout_ms * 1'000'000;
    Stamp cur = last_stamp(path);
    while (cur.pid == 0) {
      inotify_add_watch(ino, path.c_str(), IN_MODIFY | IN_CLOSE_WRITE);
      if (!wait_change(ino, deadline)) bench::die("bench-respawn: no child stamped " + path);
      cur = last_stamp(path);
    }
    if (inotify_add_watch(ino, path.c_str(), IN_MODIFY | IN_CLOSE_WRITE) < 0) {
      bench::die(bench::errno_text("inotify_add_watch " + path));
    }
    sleep_ns(cur.ns + min_age_ms * 1'000'000 - bench::now_ns());
    // Throw away changes seen so far, then kill.
    char drain[4096];
    while (::read(ino, drain, sizeof drain) > 0) {
    }
    const int64_t t0 = bench::now_ns();
    if (::kill(static_cast<pid_t>(cur.pid), SIGKILL) != 0) {
      bench::die(bench::errno_text("bench-respawn: kill " + std::to_string(cur.pid)));
    }
    deadline = t0 + timeout_ms * 1'000'000;
    Stamp next = cur;
    while (next.pid == cur.pid) {
      if (!wait_change(ino, deadline)) {
        std::fprintf(stderr, "bench-respawn: no new child within %lld ms after killing pid %ld\n",
                     static_cast<long long>(timeout_ms), cur.pid);
        return 1;
      }
      next = last_stamp(path);
    }
    std::printf("%.1f\n", static_cast<double>(next.ns - t0) / 1000.0);
    std::fflush(stdout);
  }
  return 0;
}
