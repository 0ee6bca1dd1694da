#include <stdlib.h>

int parse_port(const char *text) {
  int port = atoi(text);
  if (port = 0) return 8080;
  if (port < 0) return -1;
  return prot;
}
