/* bench-listen-target: the HTTP service of the "restart under load" workload.
 *
 * It answers `GET /` with 200 ("ok\n") and closes the connection; anything
 * else gets 404. One process, one connection at a time: enough for the few
 * hundred requests a second the workload sends.
 *
 *   bench-listen-target [--port P | --fd N] [--stamp FILE] [--notify-fd N]
 *   bench-listen-target --socketbinder P PROG ARGS...
 *
 * Its listening socket comes, in this order of preference, from:
 *   - LISTEN_FDS / LISTEN_PID (systemd's sd_listen_fds(3) protocol, which
 *     reship-supervisor speaks for a service with `listen`): fd 3, when
 *     LISTEN_PID is this process's pid; the variables are then unset;
 *   - --fd N: a listening socket it inherited (s6-fdholder-retrieve passes
 *     the one it retrieved as stdin: --fd 0);
 *   - --port P: it binds 127.0.0.1:P itself (SO_REUSEADDR), as a service
 *     that holds no socket from anyone does.
 * Once it listens it is ready: it sends READY=1 to $NOTIFY_SOCKET (sd_notify
 * style; a leading '@' names the abstract namespace), writes "\n" to
 * --notify-fd N and closes it (s6's notification-fd), and appends
 * "ready PID NS" to the stamp file (NS: CLOCK_MONOTONIC, the clock the
 * harness and the load generator read too).
 *
 * SIGTERM, SIGINT or SIGHUP: it stops accepting, finishes the request in
 * hand, appends "exit PID NS" to the stamp file and exits 0. The signals come
 * through a signalfd polled with the listening socket (O_NONBLOCK), so it is
 * never blocked in accept(): connections it has not accepted stay in the
 * socket's backlog, for the next process when the socket is shared.
 *
 * --socketbinder P PROG...: binds and listens on 127.0.0.1:P, puts the socket
 * on stdin and executes PROG (as s6-tcpserver-socketbinder would; s6's own
 * s6-ipcserver-socketbinder binds Unix sockets only), for
 * `s6-fdholder-store SOCKET ID` to store it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char* stamp_path = NULL;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void stamp(const char* what) {
  if (stamp_path == NULL) return;
  char line[96];
  const int n = snprintf(line, sizeof line, "%s %ld %lld\n", what, (long)getpid(), now_ns());
  const int fd = open(stamp_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  /* One short write to an O_APPEND file: the lines of two processes never mix. */
  ssize_t ignored = write(fd, line, (size_t)n);
  (void)ignored;
  close(fd);
}

static int bind_port(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0 || listen(fd, 1024) != 0) {
    const int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

/* sd_notify(0, "READY=1"), without libsystemd. */
static void notify_ready(void) {
  const char* path = getenv("NOTIFY_SOCKET");
  if (path == NULL || path[0] == '\0') return;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  const size_t len = strlen(path);
  if (len >= sizeof addr.sun_path) return;
  memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '@' ? 0 : 1));
  if (sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr*)&addr, alen) < 0) {
    fprintf(stderr, "bench-listen-target: READY=1 to %s: %s\n", path, strerror(errno));
  }
  close(fd);
  unsetenv("NOTIFY_SOCKET");
}

/* The fd of sd_listen_fds(1): 3 when LISTEN_PID is ours, else -1. */
static int listen_fds(void) {
  const char* pid = getenv("LISTEN_PID");
  const char* fds = getenv("LISTEN_FDS");
  if (pid == NULL || fds == NULL) return -1;
  if (atol(pid) != (long)getpid() || atoi(fds) < 1) return -1;
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  fcntl(3, F_SETFD, FD_CLOEXEC);
  return 3;
}

static const char ok_response[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
static const char not_found[] =
    "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot found\n";

/* Reads the request head (up to the blank line), answers, closes. */
static void serve(int c) {
  const struct timeval tv = {2, 0};
  setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  char buf[4096];
  size_t have = 0;
  for (;;) {
    const ssize_t r = read(c, buf + have, sizeof buf - 1 - have);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      close(c);
      return;
    }
    have += (size_t)r;
    buf[have] = '\0';
    if (strstr(buf, "\r\n\r\n") != NULL) break;
    if (have == sizeof buf - 1) break;
  }
  const int ok = strncmp(buf, "GET / ", 6) == 0;
  const char* resp = ok ? ok_response : not_found;
  size_t left = ok ? sizeof ok_response - 1 : sizeof not_found - 1;
  while (left > 0) {
    const ssize_t w = send(c, resp, left, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    resp += w;
    left -= (size_t)w;
  }
  close(c);
}

static int usage(void) {
  fprintf(stderr,
          "usage: bench-listen-target [--port P | --fd N] [--stamp FILE] [--notify-fd N]\n"
          "       bench-listen-target --socketbinder PORT PROG ARGS...\n");
  return 2;
}

int main(int argc, char** argv) {
  int port = 0;
  int fd_arg = -1;
  int notify_fd = -1;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--socketbinder") == 0 && i + 2 < argc) {
      const int fd = bind_port(atoi(argv[i + 1]));
      if (fd < 0) {
        fprintf(stderr, "bench-listen-target: bind 127.0.0.1:%s: %s\n", argv[i + 1], strerror(errno));
        return 111;
      }
      if (dup2(fd, 0) != 0) return 111;
      close(fd);
      execvp(argv[i + 2], argv + i + 2);
      fprintf(stderr, "bench-listen-target: exec %s: %s\n", argv[i + 2], strerror(errno));
      return 111;
    } else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--fd") == 0 && i + 1 < argc) {
      fd_arg = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--stamp") == 0 && i + 1 < argc) {
      stamp_path = argv[++i];
    } else if (strcmp(argv[i], "--notify-fd") == 0 && i + 1 < argc) {
      notify_fd = atoi(argv[++i]);
    } else {
      return usage();
    }
  }

  /* The stop signals arrive through a signalfd, polled with the socket. */
  sigset_t stop_set;
  sigemptyset(&stop_set);
  sigaddset(&stop_set, SIGTERM);
  sigaddset(&stop_set, SIGINT);
  sigaddset(&stop_set, SIGHUP);
  if (sigprocmask(SIG_BLOCK, &stop_set, NULL) != 0) return 111;
  const int sfd = signalfd(-1, &stop_set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) {
    perror("bench-listen-target: signalfd");
    return 111;
  }

  int lfd = listen_fds();
  const char* source = "LISTEN_FDS";
  if (lfd < 0 && fd_arg >= 0) {
    lfd = fd_arg;
    source = "--fd";
  }
  if (lfd < 0 && port > 0) {
    lfd = bind_port(port);
    source = "--port";
    if (lfd < 0) {
      fprintf(stderr, "bench-listen-target: bind 127.0.0.1:%d: %s\n", port, strerror(errno));
      return 1;
    }
  }
  if (lfd < 0) {
    fprintf(stderr, "bench-listen-target: no listening socket (no LISTEN_FDS for this pid, no --fd, no --port)\n");
    return 2;
  }
  int listening = 0;
  socklen_t optlen = sizeof listening;
  if (getsockopt(lfd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) != 0 || !listening) {
    fprintf(stderr, "bench-listen-target: fd %d (%s) is not a listening socket\n", lfd, source);
    return 2;
  }
  /* Shared with the supervisor (and, during an overlap, with the other
   * process): poll first, and an accept that finds nothing returns EAGAIN. */
  fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);

  notify_ready();
  if (notify_fd >= 0) {
    ssize_t ignored = write(notify_fd, "\n", 1);
    (void)ignored;
    close(notify_fd);
  }
  stamp("ready");

  struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = lfd, .events = POLLIN}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      perror("bench-listen-target: poll");
      return 1;
    }
    if (fds[0].revents & POLLIN) break; /* a stop signal */
    if (fds[1].revents & POLLIN) {
      const int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
      if (c < 0) continue; /* EAGAIN: the other process took it; ECONNABORTED; EMFILE */
      serve(c);
    }
  }
  stamp("exit");
  return 0;
}
