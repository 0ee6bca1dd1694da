#include <stdio.h>

struct server {
  int port;
};

int serve(struct server *s) {
  printf("listening on %d\n", s->prot);
  return 0;
}
