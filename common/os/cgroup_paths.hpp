#pragma once

// Reading where this process sits in the cgroup hierarchies: /proc/self/cgroup
// and the cgroup mounts of /proc/self/mounts, as plain text in, values out
// (fuzzed: tests/fuzz/cgroup_paths_fuzz.cpp).

#include <optional>
#include <string>
#include <string_view>

namespace reship::common {

/// The path of this process's cgroup in one hierarchy, from the text of
/// /proc/self/cgroup: `controller` "" means the unified (v2) one ("0::/a/b"),
/// else a v1 controller ("4:memory:/a/b", "3:cpu,cpuacct:/x").
std::optional<std::string> own_cgroup_path(std::string_view proc_self_cgroup, std::string_view controller);

/// Where a hierarchy is mounted, from the text of /proc/self/mounts:
/// `controller` "" the cgroup2 mount, else the v1 mount whose options name
/// the controller.
std::optional<std::string> cgroup_mount_point(std::string_view proc_self_mounts, std::string_view controller);

}  // namespace reship::common
