// /proc/self/cgroup and /proc/self/mounts as cgroup_paths reads them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/os/cgroup_paths.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const std::string_view controller : {"", "memory", "pids"}) {
    if (auto path = reship::common::own_cgroup_path(text, controller)) {
      if (path->empty() || path->front() != '/') __builtin_trap();
    }
    if (auto mount = reship::common::cgroup_mount_point(text, controller)) {
      if (mount->empty() || mount->front() != '/') __builtin_trap();
    }
  }
  return 0;
}
