#include <string.h>

size_t count_words(const char *text) {
  size_t words = 0;
  for (const char *p = text; *p; p++) {
    if (*p == ' ') words++
  }
  return words + 1;
}
