/* A tiny HTTP service for the example platform: it answers every request
 * with its name and the version it was built from, so that a deploy shows.
 * Built by ../build.sh, run by reship-supervisor (see ../reship.toml). */

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef APP_VERSION
#define APP_VERSION "dev"
#endif
#ifndef APP_BUILT_AT
#define APP_BUILT_AT "unknown"
#endif

static const char* greeting = "hello from the example platform";

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

int main(int argc, char** argv) {
  int port = 8080;
  const char* name = "app";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
    if (strcmp(argv[i], "--name") == 0) name = argv[i + 1];
  }
  signal(SIGPIPE, SIG_IGN);
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
    return 1;
  }
  printf("%s version %s listening on http://127.0.0.1:%d\n", name, APP_VERSION, port);
  fflush(stdout);
  for (;;) {
    int conn = accept(fd, NULL, NULL);
    if (conn < 0) continue;
    answer(conn, name);
    close(conn);
  }
}
