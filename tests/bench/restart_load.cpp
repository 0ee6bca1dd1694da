// bench-restart-load: an open-loop HTTP load at a fixed rate, one new TCP
// connection per request, for the "restart under load" workload.
//
//   bench-restart-load --port P [--rate R] [--threads T] [--timeout-ms MS]
//                      [--max-seconds S] [--settle-ms MS] [--warmup-ms MS]
//
// Request i is scheduled at T0 + i/R, whatever happened to the others (open
// loop: a stalled server does not slow the load down), and each one's
// latency runs from its scheduled time to the last byte of the answer, so a
// stall counts in full even when the generator itself was late. Each request
// connects anew to 127.0.0.1:P, sends `GET / HTTP/1.1` with
// `Connection: close` and reads the whole answer: a refused connection, a
// reset, a close before the answer, no answer within the timeout (default
// 5 s) or a status other than 2xx is a failed request. T threads (default 2)
// share the schedule, each with one epoll loop of non-blocking sockets and a
// timerfd for the next scheduled time.
//
// It prints "ready T0_NS" once the schedule is set (CLOCK_MONOTONIC, the
// clock the harness and the services stamp with), then reads stdin:
//   window BEGIN_NS END_NS   a restart ran from BEGIN to END
//   stop                     (or end of input) no more requests
// Then it waits for the requests in flight (at most the timeout) and prints
// one JSON object: totals per outcome, and the latencies of the answered
// requests in two classes, "during" (scheduled within a window or up to
// SETTLE ms, default 250, after its end) and "steady" (all others, except the
// first WARMUP ms, default 250), each with its percentiles and its raw list
// (milliseconds), so that the harness can pool several runs; "perWindow"
// gives each window's requests, failures and worst latency, and "failures"
// the first 1,000 failed requests as [ms after T0, outcome, window or -1].
// It stops by itself after S seconds (default 120) if told nothing.

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>

#include <atomic>
#include <cinttypes>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/bench/bench_common.hpp"

namespace {

enum class Outcome : uint8_t { ok, refused, reset, timeout, non2xx, other, client, count };
const char* const kOutcomeNames[] = {"ok", "refused", "reset", "timeout", "non2xx", "other", "client"};

struct Record {
  int64_t sched = 0;
  int64_t done = 0;
  int64_t issued = 0;
  Outcome outcome = Outcome::ok;
};

struct Conn {
  int fd = -1;
  size_t rec = 0;
  int64_t sched = 0;
  bool connecting = true;
  bool finished = false;
  size_t sent = 0;
  bench::ResponseReader reader;
};

struct Options {
  int port = 0;
  double rate = 500;
  int threads = 2;
  int64_t timeout_ns = 5'000'000'000;
  int64_t max_ns = 120'000'000'000;
  int64_t settle_ns = 250'000'000;
  int64_t warmup_ns = 250'000'000;
};

std::atomic<int64_t> g_stop_ns{0};

Outcome of_errno(int err) {
  switch (err) {
    case ECONNREFUSED:
      return Outcome::refused;
    case ECONNRESET:
    case EPIPE:
      return Outcome::reset;
    case ETIMEDOUT:
      return Outcome::timeout;
    case EADDRNOTAVAIL:
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      return Outcome::client;  // the generator's own limits, not the server's doing
    default:
      return Outcome::other;
  }
}

class Worker {
 public:
  Worker(const Options& o, const std::string& request, int index, int64_t t0)
      : o_(o), request_(request), index_(index), t0_(t0) {
    records_.reserve(static_cast<size_t>(o.rate * static_cast<double>(o.max_ns) / 1e9 / o.threads) + 16);
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(static_cast<uint16_t>(o.port));
    addr_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }

  void run() {
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    timer_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (ep_ < 0 || timer_ < 0) bench::die(bench::errno_text("bench-restart-load: epoll/timerfd"));
    epoll_event tev{};
    tev.events = EPOLLIN;
    tev.data.ptr = nullptr;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, timer_, &tev);
    uint64_t i = static_cast<uint64_t>(index_);
    std::vector<epoll_event> events(256);
    for (;;) {
      const int64_t now = bench::now_ns();
      const int64_t stop = g_stop_ns.load(std::memory_order_relaxed);
      int64_t next = sched_of(i);
      while (next < stop && next <= now) {
        start(next);
        i += static_cast<uint64_t>(o_.threads);
        next = sched_of(i);
      }
      expire(bench::now_ns());
      const bool issuing = next < stop;
      if (!issuing && inflight_.empty()) break;
      int64_t wake = issuing ? next : INT64_MAX;
      if (!inflight_.empty()) wake = std::min(wake, inflight_.front()->sched + o_.timeout_ns);
      // Wake at least every 50 ms to see a stop from the main thread.
      wake = std::min(wake, bench::now_ns() + 50'000'000);
      arm(wake);
      const int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()), -1);
      if (n < 0 && errno != EINTR) bench::die(bench::errno_text("bench-restart-load: epoll_wait"));
      for (int k = 0; k < n; ++k) {
        if (events[k].data.ptr == nullptr) {
          uint64_t ticks;
          while (::read(timer_, &ticks, sizeof ticks) > 0) {
          }
          continue;
        }
        on_event(*static_cast<Conn*>(events[k].data.ptr), events[k].events);
      }
      expire(bench::now_ns());
    }
    ::close(timer_);
    ::close(ep_);
  }

  const std::vector<Record>& records() const { return records_; }

 private:
  int64_t sched_of(uint64_t i) const {
    return t0_ + static_cast<int64_t>(static_cast<double>(i) * 1e9 / o_.rate);
  }

  void arm(int64_t at) {
    itimerspec its{};
    if (at <= 0) at = 1;
    its.it_value.tv_sec = static_cast<time_t>(at / 1'000'000'000);
    its.it_value.tv_nsec = static_cast<long>(at % 1'000'000'000);
    ::timerfd_settime(timer_, TFD_TIMER_ABSTIME, &its, nullptr);
  }

  void finish(Conn& c, Outcome outcome) {
    if (c.finished) return;
    c.finished = true;
    Record& r = records_[c.rec];
    r.done = bench::now_ns();
    r.outcome = outcome;
    if (c.fd >= 0) {
      ::close(c.fd);  // also takes it out of the epoll set
      c.fd = -1;
    }
  }

  void start(int64_t sched) {
    Record r;
    r.sched = sched;
    r.issued = bench::now_ns();
    records_.push_back(r);
    auto conn = std::make_unique<Conn>();
    Conn& c = *conn;
    c.rec = records_.size() - 1;
    c.sched = sched;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      finish(c, of_errno(errno));
      return;
    }
    const int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    inflight_.push_back(std::move(conn));
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_) == 0) {
      c.connecting = false;
      send_request(c);
    } else if (errno != EINPROGRESS) {
      finish(c, of_errno(errno));
      return;
    }
    if (c.finished) return;
    epoll_event ev{};
    ev.events = c.connecting ? EPOLLOUT : EPOLLIN;
    ev.data.ptr = &c;
    if (::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev) != 0) finish(c, Outcome::client);
  }

  // false when the connection is done with (finished).
  bool send_request(Conn& c) {
    while (c.sent < request_.size()) {
      const ssize_t w = ::send(c.fd, request_.data() + c.sent, request_.size() - c.sent, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == EAGAIN) return true;
      if (w <= 0) {
        finish(c, of_errno(errno));
        return false;
      }
      c.sent += static_cast<size_t>(w);
    }
    return true;
  }

  void on_event(Conn& c, uint32_t what) {
    if (c.finished) return;
    if (c.connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        finish(c, of_errno(err));
        return;
      }
      if ((what & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
      c.connecting = false;
      if (!send_request(c)) return;
      epoll_event ev{};
      ev.events = c.sent < request_.size() ? EPOLLOUT : EPOLLIN;
      ev.data.ptr = &c;
      ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
      return;
    }
    if (c.sent < request_.size()) {
      if (!send_request(c)) return;
      if (c.sent < request_.size()) return;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = &c;
      ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
      return;
    }
    char buf[4096];
    for (;;) {
      const ssize_t r = ::read(c.fd, buf, sizeof buf);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && errno == EAGAIN) return;
      if (r < 0) {
        finish(c, of_errno(errno));
        return;
      }
      if (r == 0) {
        c.reader.end_of_input();
      } else {
        c.reader.feed(buf, static_cast<size_t>(r));
      }
      if (c.reader.done()) {
        const int s = c.reader.status();
        finish(c, s >= 200 && s < 300 ? Outcome::ok : Outcome::non2xx);
        return;
      }
      if (c.reader.failed() || r == 0) {
        finish(c, Outcome::reset);  // closed before a whole answer
        return;
      }
    }
  }

  // Drops finished connections from the front; times out the overdue ones.
  void expire(int64_t now) {
    while (!inflight_.empty()) {
      Conn& c = *inflight_.front();
      if (!c.finished) {
        if (now - c.sched < o_.timeout_ns) break;
        finish(c, Outcome::timeout);
      }
      inflight_.pop_front();
    }
  }

  const Options& o_;
  const std::string& request_;
  int index_;
  int64_t t0_;
  sockaddr_in addr_{};
  int ep_ = -1;
  int timer_ = -1;
  std::vector<Record> records_;
  std::deque<std::unique_ptr<Conn>> inflight_;
};

struct Window {
  int64_t begin = 0;
  int64_t end = 0;
};

// Of a sorted list, as bench.py's percentile() does.
double pct(const std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const double k = static_cast<double>(v.size() - 1) * p / 100;
  const size_t lo = static_cast<size_t>(k);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (k - static_cast<double>(lo));
}

void print_class(const char* name, std::vector<double>& ms, long failed) {
  std::sort(ms.begin(), ms.end());
  std::printf("\"%s\":{\"n\":%zu,\"failed\":%ld,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"maxMs\":%.3f,\"ms\":[", name, ms.size(),
              failed, pct(ms, 50), pct(ms, 99), ms.empty() ? 0.0 : ms.back());
  for (size_t k = 0; k < ms.size(); ++k) std::printf("%s%.3f", k ? "," : "", ms[k]);
  std::printf("]}");
}

int usage() {
  std::fprintf(stderr,
               "usage: bench-restart-load --port P [--rate R] [--threads T] [--timeout-ms MS] [--max-seconds S] "
               "[--settle-ms MS] [--warmup-ms MS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    const char* v = argv[++i];
    if (a == "--port") {
      o.port = std::atoi(v);
    } else if (a == "--rate") {
      o.rate = std::atof(v);
    } else if (a == "--threads") {
      o.threads = std::max(1, std::atoi(v));
    } else if (a == "--timeout-ms") {
      o.timeout_ns = std::atoll(v) * 1'000'000;
    } else if (a == "--max-seconds") {
      o.max_ns = static_cast<int64_t>(std::atof(v) * 1e9);
    } else if (a == "--settle-ms") {
      o.settle_ns = std::atoll(v) * 1'000'000;
    } else if (a == "--warmup-ms") {
      o.warmup_ns = std::atoll(v) * 1'000'000;
    } else {
      return usage();
    }
  }
  if (o.port <= 0 || o.rate <= 0) return usage();

  // Requests in flight are sockets: at most rate x timeout of them.
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }

  const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(o.port) +
                              "\r\nUser-Agent: bench-restart-load\r\nConnection: close\r\n\r\n";
  const int64_t t0 = bench::now_ns() + 20'000'000;
  g_stop_ns.store(t0 + o.max_ns);
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> threads;
  for (int k = 0; k < o.threads; ++k) workers.push_back(std::make_unique<Worker>(o, request, k, t0));
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  std::printf("ready %" PRId64 "\n", t0);
  std::fflush(stdout);

  // The harness's marks, until "stop", the end of input or the deadline.
  std::vector<Window> windows;
  std::string pending;
  for (bool open = true; open;) {
    const int64_t left_ms = (t0 + o.max_ns - bench::now_ns()) / 1'000'000;
    if (left_ms <= 0) break;
    pollfd p{0, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left_ms, 1000)));
    if (rc <= 0) continue;
    char buf[512];
    const ssize_t r = ::read(0, buf, sizeof buf);
    if (r <= 0) break;
    pending.append(buf, static_cast<size_t>(r));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      long long b = 0, e = 0;
      if (std::sscanf(line.c_str(), "window %lld %lld", &b, &e) == 2) {
        windows.push_back({b, e});
      } else if (line == "stop") {
        open = false;
        break;
      } else if (!line.empty()) {
        std::fprintf(stderr, "bench-restart-load: ignoring \"%s\"\n", line.c_str());
      }
    }
  }
  g_stop_ns.store(std::min(g_stop_ns.load(), bench::now_ns()));
  for (auto& t : threads) t.join();

  // Classify.
  long counts[static_cast<size_t>(Outcome::count)] = {};
  long sent = 0, late = 0;
  int64_t max_late = 0;
  std::vector<double> steady, during;
  long steady_failed = 0, during_failed = 0;
  struct PerWindow {
    long n = 0, failed = 0;
    double max_ms = 0;
  };
  std::vector<PerWindow> per(windows.size());
  struct Failure {
    int64_t sched;
    Outcome outcome;
    int window;
  };
  std::vector<Failure> failures;  // the first 1,000, for a look at where they fall
  for (const auto& w : workers) {
    for (const Record& r : w->records()) {
      ++sent;
      ++counts[static_cast<size_t>(r.outcome)];
      const int64_t lateness = r.issued - r.sched;
      if (lateness > 1'000'000) ++late;
      max_late = std::max(max_late, lateness);
      const bool ok = r.outcome == Outcome::ok;
      const double ms = static_cast<double>(r.done - r.sched) / 1e6;
      int in = -1;
      for (size_t k = 0; k < windows.size(); ++k) {
        if (r.sched >= windows[k].begin && r.sched <= windows[k].end + o.settle_ns) {
          in = static_cast<int>(k);
          break;
        }
      }
      if (!ok && failures.size() < 1000) failures.push_back({r.sched, r.outcome, in});
      if (in >= 0) {
        PerWindow& pw = per[static_cast<size_t>(in)];
        ++pw.n;
        if (ok) {
          during.push_back(ms);
          pw.max_ms = std::max(pw.max_ms, ms);
        } else {
          ++pw.failed;
          ++during_failed;
        }
      } else if (r.sched >= t0 + o.warmup_ns) {
        if (ok) {
          steady.push_back(ms);
        } else {
          ++steady_failed;
        }
      } else if (!ok) {
        ++steady_failed;
      }
    }
  }
  std::printf("{\"rate\":%.0f,\"sent\":%ld", o.rate, sent);
  long failed = 0;
  for (size_t k = 0; k < static_cast<size_t>(Outcome::count); ++k) {
    std::printf(",\"%s\":%ld", kOutcomeNames[k], counts[k]);
    if (k != static_cast<size_t>(Outcome::ok)) failed += counts[k];
  }
  std::printf(",\"failed\":%ld,\"late\":%ld,\"maxLateMs\":%.3f,\"windows\":%zu,", failed, late,
              static_cast<double>(max_late) / 1e6, windows.size());
  print_class("steady", steady, steady_failed);
  std::printf(",");
  print_class("during", during, during_failed);
  std::printf(",\"perWindow\":[");
  for (size_t k = 0; k < per.size(); ++k) {
    std::printf("%s{\"n\":%ld,\"failed\":%ld,\"maxMs\":%.3f}", k ? "," : "", per[k].n, per[k].failed, per[k].max_ms);
  }
  std::printf("],\"failures\":[");
  std::sort(failures.begin(), failures.end(), [](const Failure& a, const Failure& b) { return a.sched < b.sched; });
  for (size_t k = 0; k < failures.size(); ++k) {
    std::printf("%s[%.3f,\"%s\",%d]", k ? "," : "", static_cast<double>(failures[k].sched - t0) / 1e6,
                kOutcomeNames[static_cast<size_t>(failures[k].outcome)], failures[k].window);
  }
  std::printf("]}\n");
  return 0;
}
