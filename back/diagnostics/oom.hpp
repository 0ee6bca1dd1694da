#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reship::back::diagnostics {

/// The two layouts of the memory controller.
enum class CgroupVersion { v1, v2 };

/// The file whose "oom_kill N" line counts the processes the OOM killer took
/// from the cgroup: "memory.events" (v2), "memory.oom_control" (v1, kernel
/// 4.13 and later).
const char* oom_events_file(CgroupVersion version);
/// The file holding the cgroup's limit: "memory.max" (v2),
/// "memory.limit_in_bytes" (v1).
const char* memory_limit_file(CgroupVersion version);

/// The N of the "oom_kill N" line of either events file, if there is one.
std::optional<uint64_t> oom_kill_count(std::string_view events);

/// The limit a memory.max or memory.limit_in_bytes file holds, in bytes;
/// nothing for "max" (v2) or v1's "no limit" (close to 2^63).
std::optional<uint64_t> parse_memory_limit(std::string_view text);

/// "512 MiB", "1.5 GiB", "900 KiB", "12 bytes".
std::string format_bytes(uint64_t bytes);

/// When the OOM killer took a process from the cgroup between the two
/// readings of its events file (`before` at the start of the step, `after`
/// once it ended): "out of memory: the build's cgroup hit memory.max
/// (512 MiB)" (with `subject` "build"; the limit from `limit_text`, the
/// limit file's content, left out when unknown). Nothing otherwise, or when
/// `after` has no oom_kill count.
std::optional<std::string> cgroup_oom_message(CgroupVersion version, std::string_view before, std::string_view after,
                                              std::string_view limit_text, std::string_view subject = "build");

/// When `line` (terminal text) says its process ran out of memory, what it
/// said: "JavaScript heap out of memory", "MemoryError", "std::bad_alloc",
/// "java.lang.OutOfMemoryError: Java heap space", Go's "runtime: out of
/// memory", Rust's "memory allocation of N bytes failed", GCC's "out of
/// memory allocating" and "virtual memory exhausted".
std::optional<std::string> out_of_memory_text(std::string_view line);

}  // namespace reship::back::diagnostics
