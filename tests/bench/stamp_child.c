/* bench-stamp: the child every supervisor runs in scripts/bench.
 *
 * The first thing it does is read CLOCK_MONOTONIC; it then appends
 * "PID NANOSECONDS\n" to its stamp file and sleeps until a signal ends it (or,
 * for a crash loop, exits 1 at once). bench-respawn reads the stamps to time
 * kill() -> the new child's first instruction, the same way for every peer.
 *
 *   bench-stamp [--crash] [STAMP_FILE]
 *
 * Without STAMP_FILE it uses ./stamp, and a file ./crash in its working
 * directory means --crash, so that runit and s6 can run it directly as a
 * service directory's ./run (a symlink), without a shell in between (s6
 * passes the service's name as the one argument: the stamp file is then
 * ./NAME). STAMP_FILE "-" writes no stamp. When its working directory has
 * a file notification-fd (an s6 service directory with readiness
 * notification, as s6's docs recommend), it writes "\n" to that descriptor
 * once stamped: ready.
 * It is linked statically so that exec costs as little as it can.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);

  int crash = 0;
  const char* path = "stamp";
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--crash") == 0) {
      crash = 1;
    } else {
      path = argv[i];
    }
  }
  if (access("crash", F_OK) == 0) crash = 1;

  if (strcmp(path, "-") != 0) {
    char line[64];
    const int n = snprintf(line, sizeof line, "%ld %lld\n", (long)getpid(),
                           (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    const int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      /* One write of a short line to an O_APPEND file: lines never mix. */
      ssize_t ignored = write(fd, line, (size_t)n);
      (void)ignored;
      close(fd);
    }
  }
  if (crash) return 1;
  const int nfd_file = open("notification-fd", O_RDONLY | O_CLOEXEC);
  if (nfd_file >= 0) {
    char buf[16] = {0};
    const ssize_t n = read(nfd_file, buf, sizeof buf - 1);
    close(nfd_file);
    const int fd = n > 0 ? atoi(buf) : -1;
    if (fd > 2) {
      ssize_t ignored = write(fd, "\n", 1);
      (void)ignored;
      close(fd);
    }
  }
  for (;;) pause();
}
