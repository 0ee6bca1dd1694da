#include <catch2/catch.hpp>

#include "common/os/cgroup_paths.hpp"

using namespace reship::common;

namespace {
// /proc/self/cgroup and /proc/self/mounts as a cgroup v1 "hybrid" machine has them.
constexpr const char* kHybridCgroup =
    "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/6e28\n2:cpu,cpuacct:/x\n0::/\n";
constexpr const char* kHybridMounts =
    "proc /proc proc rw 0 0\n"
    "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
    "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
    "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,relatime,cpu,cpuacct 0 0\n"
    "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0\n"
    "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";
}  // namespace

TEST_CASE("cgroup paths: this process's cgroup in each hierarchy", "[unit]") {
  CHECK(own_cgroup_path(kHybridCgroup, "memory") == "/process_api/6e28");
  CHECK(own_cgroup_path(kHybridCgroup, "cpuacct") == "/x");
  CHECK(own_cgroup_path(kHybridCgroup, "") == "/");
  CHECK_FALSE(own_cgroup_path(kHybridCgroup, "freezer"));
  // "name=systemd" is not a controller named "systemd".
  CHECK_FALSE(own_cgroup_path(kHybridCgroup, "systemd"));
  CHECK(own_cgroup_path("0::/system.slice/reship-back.service\n", "") == "/system.slice/reship-back.service");
  // A path holding ':' keeps it.
  CHECK(own_cgroup_path("0::/a:b\n", "") == "/a:b");
}

TEST_CASE("cgroup paths: where each hierarchy is mounted", "[unit]") {
  CHECK(cgroup_mount_point(kHybridMounts, "memory") == "/sys/fs/cgroup/memory");
  CHECK(cgroup_mount_point(kHybridMounts, "cpuacct") == "/sys/fs/cgroup/cpu,cpuacct");
  CHECK(cgroup_mount_point(kHybridMounts, "") == "/sys/fs/cgroup/unified");
  CHECK_FALSE(cgroup_mount_point(kHybridMounts, "freezer"));
  CHECK(cgroup_mount_point("cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n", "") == "/sys/fs/cgroup");
}

TEST_CASE("cgroup paths: damaged text finds nothing", "[unit]") {
  for (const char* text : {"", "\n\n", "garbage", "4:memory", "4:memory:relative", "0::", ":::\n"}) {
    CHECK_FALSE(own_cgroup_path(text, "memory"));
    CHECK_FALSE(own_cgroup_path(text, ""));
    CHECK_FALSE(cgroup_mount_point(text, "memory"));
  }
}
