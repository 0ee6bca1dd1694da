#include <cstdio>
#include <vector>

int main() {
  std::puts("generating lookup tables");
  std::vector<long> table(static_cast<size_t>(1) << 43);  // 64 TiB: more than any machine has
  std::printf("%zu entries\n", table.size());
  return 0;
}
