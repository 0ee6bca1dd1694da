// bench-uds: control round trips without a CLI in between.
//
//   bench-uds pingpong [-n N] [--size BYTES]
//       The physical limit: a Unix stream socket pair between this process
//       and a forked echo process; prints each round trip of BYTES (64) in
//       microseconds.
//   bench-uds request --path SOCKET (--line | --http) --send TEXT [-n N] [--expect TEXT]
//       Each sample connects to SOCKET, writes TEXT (\n and \r escapes are
//       understood), reads one JSON line (--line) or one HTTP response
//       (--http), and closes: a status query as a script would make it.
//       --expect checks the answer contains TEXT.
//   bench-uds files [-n N] FILE...
//       Each sample opens and reads every FILE: how runit's and s6's tools get
//       a status (supervise/status), the nearest they have to a query.
//
// Samples are printed one per line, in microseconds.

#include <fcntl.h>
#include <sys/wait.h>

#include <string>
#include <vector>

#include "tests/bench/bench_common.hpp"

namespace {

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char c = s[++i];
      out.push_back(c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void print_us(int64_t ns) {
  std::printf("%.2f\n", static_cast<double>(ns) / 1000.0);
}

int pingpong(int count, size_t size) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) bench::die(bench::errno_text("socketpair"));
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(sv[0]);
    std::vector<char> buf(size);
    for (;;) {
      size_t got = 0;
      while (got < size) {
        const ssize_t r = ::read(sv[1], buf.data() + got, size - got);
        if (r <= 0) _exit(0);
        got += static_cast<size_t>(r);
      }
      if (!bench::write_all(sv[1], buf.data(), size)) _exit(0);
    }
  }
  ::close(sv[1]);
  std::vector<char> buf(size, 'x');
  std::vector<int64_t> samples;
  samples.reserve(static_cast<size_t>(count));
  for (int n = 0; n < count + 100; ++n) {  // the first 100 warm up
    const int64_t t0 = bench::now_ns();
    if (!bench::write_all(sv[0], buf.data(), size)) bench::die("pingpong: write failed");
    size_t got = 0;
    while (got < size) {
      const ssize_t r = ::read(sv[0], buf.data() + got, size - got);
      if (r <= 0) bench::die("pingpong: the echo process went away");
      got += static_cast<size_t>(r);
    }
    if (n >= 100) samples.push_back(bench::now_ns() - t0);
  }
  ::close(sv[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  for (int64_t s : samples) print_us(s);
  return 0;
}

int request(const std::string& path, bool http, const std::string& send, const std::string& expect, int count) {
  std::string answer;
  bench::ResponseReader reader([&](std::string_view body) { answer.append(body); });
  char buf[65536];
  for (int n = 0; n < count; ++n) {
    answer.clear();
    reader.reset();
    const int64_t t0 = bench::now_ns();
    const int fd = bench::connect_unix(path);
    if (fd < 0) bench::die(bench::errno_text("connect " + path));
    if (!bench::write_all(fd, send.data(), send.size())) bench::die(bench::errno_text("write " + path));
    bool complete = false;
    while (!complete) {
      const ssize_t r = ::read(fd, buf, sizeof buf);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        if (http) reader.end_of_input();
        complete = http && reader.done();
        if (!complete) bench::die("bench-uds: " + path + " closed before a complete answer");
        break;
      }
      if (http) {
        reader.feed(buf, static_cast<size_t>(r));
        complete = reader.done();
        if (reader.failed()) bench::die("bench-uds: a malformed HTTP answer from " + path);
      } else {
        answer.append(buf, static_cast<size_t>(r));
        complete = answer.find('\n') != std::string::npos;
      }
    }
    const int64_t t1 = bench::now_ns();
    ::close(fd);
    if (!expect.empty() && answer.find(expect) == std::string::npos) {
      bench::die("bench-uds: the answer lacks \"" + expect + "\": " + answer.substr(0, 300));
    }
    print_us(t1 - t0);
  }
  return 0;
}

int files(const std::vector<std::string>& paths, int count) {
  char buf[4096];
  for (int n = 0; n < count; ++n) {
    const int64_t t0 = bench::now_ns();
    for (const auto& p : paths) {
      const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) bench::die(bench::errno_text("open " + p));
      if (::read(fd, buf, sizeof buf) < 0) bench::die(bench::errno_text("read " + p));
      ::close(fd);
    }
    print_us(bench::now_ns() - t0);
  }
  return 0;
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: bench-uds pingpong [-n N] [--size BYTES]\n"
               "       bench-uds request --path SOCKET (--line|--http) --send TEXT [-n N] [--expect TEXT]\n"
               "       bench-uds files [-n N] FILE...\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  const std::string mode = argv[1];
  int count = 1;
  size_t size = 64;
  std::string path;
  std::string send;
  std::string expect;
  bool http = false;
  bool line = false;
  std::vector<std::string> rest;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-n" && i + 1 < argc) {
      count = std::atoi(argv[++i]);
    } else if (a == "--size" && i + 1 < argc) {
      size = static_cast<size_t>(std::atol(argv[++i]));
    } else if (a == "--path" && i + 1 < argc) {
      path = argv[++i];
    } else if (a == "--send" && i + 1 < argc) {
      send = unescape(argv[++i]);
    } else if (a == "--expect" && i + 1 < argc) {
      expect = argv[++i];
    } else if (a == "--http") {
      http = true;
    } else if (a == "--line") {
      line = true;
    } else if (!a.empty() && a[0] == '-') {
      usage();
    } else {
      rest.push_back(a);
    }
  }
  if (mode == "pingpong") return pingpong(count, size == 0 ? 1 : size);
  if (mode == "request") {
    if (path.empty() || send.empty() || http == line) usage();
    return request(path, http, send, expect, count);
  }
  if (mode == "files") {
    if (rest.empty()) usage();
    return files(rest, count);
  }
  usage();
}
