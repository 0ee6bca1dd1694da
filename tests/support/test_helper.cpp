// reship-test-helper: the fake services and fake builds of the integration
// tests, one small behaviour per mode, so that tests run real processes whose
// behaviour they control exactly.
//
//   reship-test-helper MODE [ARGS...]
//
// Every mode that keeps running prints "ready pid=N" on stdout once set up.

#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <ctime>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/chaos_output.hpp"

namespace {

void say(const std::string& line) {
  std::string out = line + "\n";
  const char* p = out.data();
  size_t left = out.size();
  while (left > 0) {
    const ssize_t n = ::write(1, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void write_all(int fd, const std::string& data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void say_ready() { say("ready pid=" + std::to_string(::getpid())); }

[[noreturn]] void sleep_forever() {
  while (true) ::pause();
}

void sleep_ms(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1'000'000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

long arg_long(int argc, char** argv, int i, long fallback) { return i < argc ? std::atol(argv[i]) : fallback; }

// Sends READY=1 (or `message`) to $NOTIFY_SOCKET, as sd_notify(3) does,
// including the abstract-namespace form "@name".
bool notify(const std::string& message) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || *path == '\0') return false;
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t len = std::strlen(path);
  std::memcpy(addr.sun_path, path, std::min(len, sizeof addr.sun_path - 1));
  if (path[0] == '@') addr.sun_path[0] = '\0';
  const socklen_t addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  const ssize_t n = ::sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&addr), addr_len);
  ::close(fd);
  return n == static_cast<ssize_t>(message.size());
}

int listen_tcp(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    std::fprintf(stderr, "cannot listen on port %d: %s\n", port, std::strerror(errno));
    std::exit(1);
  }
  return fd;
}

// Answers every connection with one HTTP response of the given status.
[[noreturn]] void serve_http(int fd, int status) {
  while (true) {
    const int conn = ::accept(fd, nullptr, nullptr);
    if (conn < 0) continue;
    char buf[4096];
    (void)!::read(conn, buf, sizeof buf);
    const std::string body = "hello from pid " + std::to_string(::getpid()) + "\n";
    const std::string response = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)!::write(conn, response.data(), response.size());
    ::close(conn);
  }
}

int usage() {
  std::fprintf(stderr,
               "usage: reship-test-helper MODE [ARGS]\n"
               "  sleep                      run until signalled\n"
               "  ignore-term                run, ignoring SIGTERM\n"
               "  ids                        print uid, gid and groups, then run\n"
               "  slow-term [MS]             on SIGTERM take MS (500) to shut down, exit 0\n"
               "  exit CODE [DELAY_MS]       exit with CODE after DELAY_MS\n"
               "  allocate MB                touch MB MiB of memory, exit 0\n"
               "  crash [DELAY_MS]           print a stack trace to stderr, exit 1\n"
               "  notify [DELAY_MS]          send READY=1 to $NOTIFY_SOCKET, then run\n"
               "  listen PORT [DELAY_MS]     listen on 127.0.0.1:PORT after DELAY_MS, then run\n"
               "  http PORT [STATUS]         answer HTTP on 127.0.0.1:PORT with STATUS (200)\n"
               "  fork-grandchild            fork a child that runs forever, then run\n"
               "  orphan FILE                fork a grandchild (in a session of its own) that\n"
               "                             writes its pid to FILE and exits after 200 ms;\n"
               "                             exit at once (leaves an orphan)\n"
               "  lines N [LEN] [STREAM]     print N numbered lines of LEN bytes (STREAM: out|err|both)\n"
               "  sleep-ms MS                sleep MS milliseconds, then exit 0\n"
               "  chaos N                    print the chaos output of N lines (see chaos_output.hpp)\n"
               "  background-holder          leave a process holding stdout in the group, exit 0\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string_view mode = argv[1];

  if (mode == "sleep") {
    say_ready();
    sleep_forever();
  }
  if (mode == "ignore-term") {
    ::signal(SIGTERM, SIG_IGN);
    say_ready();
    sleep_forever();
  }
  if (mode == "slow-term") {
    // Shuts down gracefully on SIGTERM, taking MS milliseconds, then exits 0.
    static long grace = 0;
    grace = arg_long(argc, argv, 2, 500);
    ::signal(SIGTERM, [](int) {
      const char msg[] = "got SIGTERM, shutting down\n";
      (void)!::write(1, msg, sizeof msg - 1);
      sleep_ms(grace);
      _exit(0);
    });
    say_ready();
    sleep_forever();
  }
  if (mode == "ids") {
    // Who this process runs as: uid, gid and supplementary groups.
    gid_t groups[64];
    const int n = ::getgroups(64, groups);
    std::string line = "ids uid=" + std::to_string(::getuid()) + " gid=" + std::to_string(::getgid()) + " groups=";
    for (int i = 0; i < n; ++i) line += (i ? "," : "") + std::to_string(groups[i]);
    say(line);
    say_ready();
    sleep_forever();
  }
  if (mode == "allocate") {
    // Touches MB mebibytes, 8 at a time, then exits 0: past a memory
    // limit the kernel's OOM killer stops it first.
    const long mib = arg_long(argc, argv, 2, 256);
    std::printf("allocating %ld MiB\n", mib);
    std::fflush(stdout);
    for (long done = 0; done < mib; done += 8) {
      void* p = ::mmap(nullptr, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return 4;
      std::memset(p, 0x5a, 8 << 20);
    }
    return 0;
  }
  if (mode == "exit") {
    sleep_ms(arg_long(argc, argv, 3, 0));
    return static_cast<int>(arg_long(argc, argv, 2, 0));
  }
  if (mode == "crash") {
    sleep_ms(arg_long(argc, argv, 2, 0));
    std::fprintf(stderr,
                 "starting up\nTypeError: Cannot read properties of undefined (reading 'port')\n"
                 "    at loadConfig (/app/dist/server.js:12:34)\n    at main (/app/dist/server.js:40:3)\n");
    return 1;
  }
  if (mode == "notify") {
    sleep_ms(arg_long(argc, argv, 2, 0));
    if (!notify("READY=1")) {
      std::fprintf(stderr, "cannot notify: NOTIFY_SOCKET=%s\n", std::getenv("NOTIFY_SOCKET"));
      return 1;
    }
    say_ready();
    sleep_forever();
  }
  if (mode == "listen" || mode == "http") {
    if (argc < 3) return usage();
    const int port = std::atoi(argv[2]);
    if (mode == "listen") sleep_ms(arg_long(argc, argv, 3, 0));
    const int fd = listen_tcp(port);
    say_ready();
    if (mode == "http") serve_http(fd, static_cast<int>(arg_long(argc, argv, 3, 200)));
    sleep_forever();
  }
  if (mode == "fork-grandchild") {
    const pid_t child = ::fork();
    if (child == 0) {
      say("grandchild pid=" + std::to_string(::getpid()));
      sleep_forever();
    }
    say_ready();
    sleep_forever();
  }
  if (mode == "orphan") {
    if (argc < 3) return usage();
    int ready[2];
    if (::pipe(ready) != 0) return 1;
    const pid_t child = ::fork();
    if (child == 0) {
      // Leave the process group, as a daemonizing program does: only
      // reaping can deal with this one.
      ::setsid();
      FILE* f = std::fopen(argv[2], "w");
      if (f != nullptr) {
        std::fprintf(f, "%d\n", ::getpid());
        std::fclose(f);
      }
      (void)!::write(ready[1], "x", 1);
      sleep_ms(200);
      _exit(0);
    }
    // Exit only once the child has left the group and written its pid.
    char c;
    (void)!::read(ready[0], &c, 1);
    return 0;
  }
  if (mode == "lines") {
    if (argc < 3) return usage();
    const long n = std::atol(argv[2]);
    const long len = arg_long(argc, argv, 3, 0);
    const std::string stream = argc > 4 ? argv[4] : "out";
    std::string batch;
    for (long i = 1; i <= n; ++i) {
      std::string line = "line " + std::to_string(i);
      if (len > static_cast<long>(line.size())) line.append(static_cast<size_t>(len) - line.size(), 'x');
      line.push_back('\n');
      const int fd = stream == "err" ? 2 : stream == "both" ? (i % 2 == 0 ? 2 : 1) : 1;
      if (fd == 1) {
        batch += line;
        if (batch.size() > 60000) {
          (void)!::write(1, batch.data(), batch.size());
          batch.clear();
        }
      } else {
        (void)!::write(1, batch.data(), batch.size());
        batch.clear();
        (void)!::write(2, line.data(), line.size());
      }
    }
    (void)!::write(1, batch.data(), batch.size());
    return 0;
  }
  if (mode == "chaos") {
    if (argc < 3) return usage();
    const long n = std::atol(argv[2]);
    std::string batch;
    for (long i = 1; i <= n; ++i) {
      batch += reship::test::chaos_line(i);
      if (i < n) batch += '\n';
      if (batch.size() > 60000) {
        write_all(1, batch);
        batch.clear();
      }
    }
    write_all(1, batch);
    return 0;
  }
  if (mode == "background-holder") {
    // Leaves a process in its group that holds stdout open and ignores
    // nothing: the build is over, the leftover must be stopped.
    int ready[2];
    if (::pipe(ready) != 0) return 1;
    if (::fork() == 0) {
      say("leftover pid=" + std::to_string(::getpid()));
      (void)!::write(ready[1], "x", 1);
      sleep_forever();
    }
    char c;
    (void)!::read(ready[0], &c, 1);
    say("main done");
    return 0;
  }
  if (mode == "sleep-ms") {
    sleep_ms(arg_long(argc, argv, 2, 0));
    return 0;
  }
  return usage();
}
