// bench-sse: many Server-Sent Events subscribers in one process, checking
// that each gets every line of a build.
//
//   bench-sse URL [--subs K] [--lines N] [--timeout-ms MS]
//
// Opens K connections to URL (reship-back's /api/v1/events), and once every
// one is subscribed (its stream has begun) prints "ready" on stdout. The
// caller then starts a deploy whose build prints N lines "L0000000 ..."
// (bench-lines). Each subscriber reads until its first deploy.done event and
// checks the deploy.log lines it got: N of them, numbered 0..N-1 in order.
// At the end it prints one JSON object:
//   {"subs":K,"complete":C,"dropped":D,"gaps":G,"disorder":O,"minLines":…,
//    "maxLines":…,"bytes":…,"readyMs":…,"lastDoneMs":…}
// where complete counts the subscribers that got every line, dropped those
// whose stream ended before deploy.done, and times run from "ready". Exits
// 0 when every subscriber is complete, 1 otherwise. One epoll loop reads all
// the sockets, so the client side costs one core at most.

#include <fcntl.h>
#include <sys/epoll.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/bench/bench_common.hpp"

namespace {

struct Sub {
  int fd = -1;
  bench::ResponseReader reader;
  enum class Type { other, log };
  std::string partial;  // a line not complete yet
  Type type = Type::other;  // of the event being read
  bool ready = false;
  bool done = false;
  bool dropped = false;
  long next = 0;       // the line number expected next
  long lines = 0;      // deploy.log lines of the build received
  long disorder = 0;   // lines that were not the one expected
  long gaps = 0;       // stream.gap events
  int64_t done_ns = 0;
};

// SSE is line-oriented: "id: N", "event: TYPE", "data: JSON", then a blank
// line. Lines are split with memchr (SIMD) and only a partial line is ever
// copied, so that the client costs far less than the server it measures.
void on_line(Sub& s, std::string_view line) {
  s.ready = true;  // the stream's preamble came: subscribed
  if (line.empty()) {
    s.type = Sub::Type::other;
    return;
  }
  if (line.size() > 7 && std::memcmp(line.data(), "event: ", 7) == 0) {
    const std::string_view t = line.substr(7);
    if (t == "deploy.log") {
      s.type = Sub::Type::log;
    } else if (t == "deploy.done") {
      s.done = true;
      s.done_ns = bench::now_ns();
    } else if (t == "stream.gap") {
      ++s.gaps;
      s.type = Sub::Type::other;
    } else {
      s.type = Sub::Type::other;
    }
    return;
  }
  if (s.type != Sub::Type::log || line.size() < 6 || std::memcmp(line.data(), "data: ", 6) != 0) return;
  // The build's lines are "L0000123 ...": the only capital L in the event
  // (the JSON keys, the time and the deploy id have none).
  const char* end = line.data() + line.size();
  const char* q = static_cast<const char*>(std::memchr(line.data(), 'L', line.size()));
  if (q == nullptr || q == line.data() || q[-1] != '"') return;  // a [reship] line
  long number = 0;
  for (++q; q < end && *q >= '0' && *q <= '9'; ++q) number = number * 10 + (*q - '0');
  if (number != s.next) ++s.disorder;
  s.next = number + 1;
  ++s.lines;
}

void on_body(Sub& s, std::string_view data) {
  const char* p = data.data();
  const char* end = p + data.size();
  if (!s.partial.empty()) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', data.size()));
    if (nl == nullptr) {
      s.partial.append(p, data.size());
      return;
    }
    s.partial.append(p, static_cast<size_t>(nl - p));
    on_line(s, s.partial);
    s.partial.clear();
    p = nl + 1;
  }
  while (p < end && !s.done) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr) {
      s.partial.assign(p, static_cast<size_t>(end - p));
      return;
    }
    on_line(s, std::string_view(p, static_cast<size_t>(nl - p)));
    p = nl + 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string url_text;
  int subs = 100;
  long lines = 0;
  int64_t timeout_ms = 300000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--subs" && i + 1 < argc) {
      subs = std::atoi(argv[++i]);
    } else if (a == "--lines" && i + 1 < argc) {
      lines = std::atol(argv[++i]);
    } else if (a == "--timeout-ms" && i + 1 < argc) {
      timeout_ms = std::atoll(argv[++i]);
    } else if (url_text.empty() && a.rfind("http://", 0) == 0) {
      url_text = a;
    } else {
      std::fprintf(stderr, "usage: bench-sse URL [--subs K] [--lines N] [--timeout-ms MS]\n");
      return 2;
    }
  }
  if (url_text.empty()) bench::die("bench-sse: a URL is required");
  const bench::Url url = bench::parse_url(url_text);
  const std::string request = "GET " + url.target + " HTTP/1.1\r\nHost: " + url.host + ":" +
                              std::to_string(url.port) + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";

  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<std::unique_ptr<Sub>> all;
  for (int i = 0; i < subs; ++i) {
    auto s = std::make_unique<Sub>();
    Sub* raw = s.get();
    s->reader = bench::ResponseReader([raw](std::string_view data) { on_body(*raw, data); });
    s->fd = bench::connect_tcp(url.host, url.port);
    if (s->fd < 0) bench::die(bench::errno_text("bench-sse: connect " + url_text));
    if (!bench::write_all(s->fd, request.data(), request.size())) bench::die("bench-sse: write failed");
    ::fcntl(s->fd, F_SETFL, ::fcntl(s->fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = raw;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
    all.push_back(std::move(s));
  }

  const int64_t start = bench::now_ns();
  const int64_t deadline = start + timeout_ms * 1'000'000;
  int64_t ready_ns = 0;
  uint64_t bytes = 0;
  int open = subs;
  std::vector<char> buf(1 << 20);
  std::vector<epoll_event> events(static_cast<size_t>(subs));
  while (open > 0) {
    const int64_t left_ms = (deadline - bench::now_ns()) / 1'000'000;
    if (left_ms <= 0) break;
    const int n = ::epoll_wait(ep, events.data(), subs, static_cast<int>(std::min<int64_t>(left_ms, 1000)));
    for (int e = 0; e < n; ++e) {
      Sub& s = *static_cast<Sub*>(events[static_cast<size_t>(e)].data.ptr);
      if (s.fd < 0) continue;
      for (;;) {
        const ssize_t r = ::read(s.fd, buf.data(), buf.size());
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (r <= 0) {
          if (!s.done) s.dropped = true;
          ::close(s.fd);
          s.fd = -1;
          --open;
          break;
        }
        bytes += static_cast<uint64_t>(r);
        s.reader.feed(buf.data(), static_cast<size_t>(r));
        if (s.reader.failed()) bench::die("bench-sse: a malformed response");
        if (s.reader.in_body() && s.reader.status() != 200) {
          bench::die("bench-sse: status " + std::to_string(s.reader.status()) + " from " + url_text);
        }
        // The stream ended (the server dropped this subscriber) or the
        // deploy did: either way this one is finished.
        if (s.done || s.reader.done()) {
          if (!s.done) s.dropped = true;
          ::close(s.fd);
          s.fd = -1;
          --open;
          break;
        }
      }
    }
    if (ready_ns == 0) {
      bool all_ready = true;
      for (const auto& s : all) all_ready = all_ready && s->ready;
      if (all_ready) {
        ready_ns = bench::now_ns();
        std::printf("ready\n");
        std::fflush(stdout);
      }
    }
  }
  int complete = 0;
  int dropped = 0;
  long gaps = 0;
  long disorder = 0;
  long min_lines = -1;
  long max_lines = 0;
  int64_t last_done = 0;
  for (const auto& s : all) {
    if (s->fd >= 0) {
      s->dropped = !s->done;  // timed out
      ::close(s->fd);
    }
    if (s->done && s->lines == lines && s->disorder == 0 && s->gaps == 0) ++complete;
    if (s->dropped) ++dropped;
    gaps += s->gaps;
    disorder += s->disorder;
    min_lines = min_lines < 0 ? s->lines : std::min(min_lines, s->lines);
    max_lines = std::max(max_lines, s->lines);
    last_done = std::max(last_done, s->done_ns);
  }
  std::printf(
      "{\"subs\":%d,\"complete\":%d,\"dropped\":%d,\"gaps\":%ld,\"disorder\":%ld,\"minLines\":%ld,\"maxLines\":%ld,"
      "\"bytes\":%llu,\"readyMs\":%.1f,\"lastDoneMs\":%.1f}\n",
      subs, complete, dropped, gaps, disorder, min_lines, max_lines, static_cast<unsigned long long>(bytes),
      ready_ns ? static_cast<double>(ready_ns - start) / 1e6 : -1.0,
      ready_ns && last_done ? static_cast<double>(last_done - ready_ns) / 1e6 : -1.0);
  return complete == subs ? 0 : 1;
}
