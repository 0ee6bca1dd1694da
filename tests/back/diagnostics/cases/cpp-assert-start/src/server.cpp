#include <cassert>
#include <cstdio>
#include <cstdlib>

static const char* listen_address() { return std::getenv("APP_LISTEN"); }

int main() {
  std::puts("starting server");
  const char* address = listen_address();
  assert(address != nullptr && "APP_LISTEN must be set");
  std::printf("listening on %s\n", address);
  return 0;
}
