#include <stdio.h>

int add(int a, int b);

int main(void) {
  int total = add(2, 3)
  printf("%d\n", total);
  return 0;
}
