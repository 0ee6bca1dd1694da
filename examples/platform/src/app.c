/* A tiny HTTP service for the example platform: it answers every request
 * with its name and the version it was built from, so that a deploy shows.
 * Built by ../build.sh, run by reship-supervisor (see ../reship.toml).
 *
 * It shows how a service keeps its port open across restarts: it takes the
 * listening socket reship-supervisor holds for it (fd 3, sd_listen_fds(3):
 * LISTEN_FDS, LISTEN_PID), or binds --port itself when run alone. On
 * SIGTERM it stops accepting, finishes the request in hand and exits; the
 * connections that arrive meanwhile wait in the socket's backlog for the
 * next process. It says READY=1 on $NOTIFY_SOCKET once it accepts. */

#define _GNU_SOURCE /* accept4, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef APP_VERSION
#define APP_VERSION "dev"
#endif
#ifndef APP_BUILT_AT
#define APP_BUILT_AT "unknown"
#endif

static const char* greeting = "hello from the example platform";
static int stop_pipe[2];

static void on_stop(int sig) {
  (void)sig;
  int saved = errno;
  if (write(stop_pipe[1], "x", 1) < 0) { /* full: a stop is pending already */ }
  errno = saved;
}

static void answer(int conn, const char* name) {
  char request[2048];
  ssize_t n = read(conn, request, sizeof request - 1);
  if (n <= 0) return;
  request[n] = '\0';
  char body[512];
  if (strncmp(request, "GET /healthz", 12) == 0) {
    snprintf(body, sizeof body, "ok\n");
  } else {
    snprintf(body, sizeof body, "%s: %s, version %s (built %s)\n", name, greeting, APP_VERSION, APP_BUILT_AT);
  }
  char response[1024];
  int len = snprintf(response, sizeof response,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     strlen(body), body);
  if (write(conn, response, (size_t)len) < 0) perror("write");
}

/* The socket the supervisor passed (LISTEN_PID names this process), or -1. */
static int inherited_socket(void) {
  const char* pid = getenv("LISTEN_PID");
  const char* fds = getenv("LISTEN_FDS");
  if (pid == NULL || fds == NULL || atol(pid) != (long)getpid() || atoi(fds) < 1) return -1;
  fcntl(3, F_SETFD, FD_CLOEXEC);
  return 3;
}

static int bind_port(const char* name, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons((unsigned short)port);
  if (bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0 || listen(fd, 64) != 0) {
    fprintf(stderr, "%s: cannot listen on 127.0.0.1:%d: %s\n", name, port, strerror(errno));
    exit(1);
  }
  return fd;
}

/* sd_notify(3) without libsystemd: one datagram, "@" meaning the abstract namespace. */
static void notify_ready(void) {
  const char* path = getenv("NOTIFY_SOCKET");
  if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(((struct sockaddr_un*)0)->sun_path)) return;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path, strlen(path));
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
  if (sendto(fd, "READY=1", 7, 0, (struct sockaddr*)&addr, len) < 0) perror("notify");
  close(fd);
}

int main(int argc, char** argv) {
  int port = 8080;
  const char* name = "app";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
    if (strcmp(argv[i], "--name") == 0) name = argv[i + 1];
  }
  signal(SIGPIPE, SIG_IGN);
  if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return 1;
  struct sigaction stop;
  memset(&stop, 0, sizeof stop);
  stop.sa_handler = on_stop;
  stop.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGINT, &stop, NULL);

  int fd = inherited_socket();
  if (fd >= 0) {
    printf("%s version %s serving the socket its supervisor holds (fd 3)\n", name, APP_VERSION);
  } else {
    fd = bind_port(name, port);
    printf("%s version %s listening on http://127.0.0.1:%d\n", name, APP_VERSION, port);
  }
  fflush(stdout);
  /* Non-blocking, so that a connection another process took first (while two
   * share the socket) never leaves this one stuck in accept(). */
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  notify_ready();
  for (;;) {
    struct pollfd watch[2] = {{fd, POLLIN, 0}, {stop_pipe[0], POLLIN, 0}};
    if (poll(watch, 2, -1) < 0) continue;
    if (watch[1].revents != 0) break;
    int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) continue; /* EAGAIN: another process took it */
    answer(conn, name);
    close(conn);
  }
  printf("%s: stopping; what waits in the backlog goes to the next process\n", name);
  return 0;
}
