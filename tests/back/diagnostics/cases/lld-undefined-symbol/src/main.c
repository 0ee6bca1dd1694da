#include <stdio.h>

int load_config(const char *path);

int main(void) {
  int port = load_config("app.toml");
  printf("port %d\n", port);
  return 0;
}
