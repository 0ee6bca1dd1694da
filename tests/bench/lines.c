/* bench-lines: the "build" of the log-capture workloads.
 *
 *   bench-lines COUNT [WIDTH]
 *
 * Writes COUNT lines of WIDTH bytes (default 80, newline included) to stdout:
 * "L0000000 " (the line's number, which bench-sse checks), then filler. It
 * writes 64 KiB at a time, as a compiler or a test runner with buffered output
 * would, and exits 0 (1 if a write fails).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_all(const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = write(1, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench-lines COUNT [WIDTH]\n");
    return 2;
  }
  const long count = atol(argv[1]);
  long width = argc > 2 ? atol(argv[2]) : 80;
  if (width < 10) width = 10;
  if (width > 4096) width = 4096;
  static char buf[64 * 1024 + 4096];
  size_t used = 0;
  const char filler[] = "the quick brown fox jumps over the lazy dog while the build keeps printing lines ";
  for (long i = 0; i < count; ++i) {
    char* line = buf + used;
    int n = snprintf(line, 16, "L%07ld ", i);
    for (long j = n; j < width - 1; ++j) line[j] = filler[(j - n) % (long)(sizeof filler - 1)];
    line[width - 1] = '\n';
    used += (size_t)width;
    if (used >= 64 * 1024) {
      if (write_all(buf, used) != 0) return 1;
      used = 0;
    }
  }
  if (used > 0 && write_all(buf, used) != 0) return 1;
  return 0;
}
