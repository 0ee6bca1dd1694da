#include <stdio.h>

unsigned long count_words(const char *text);

int main(void) {
  printf("%lu\n", count_words("a b c"));
  return 0;
}
