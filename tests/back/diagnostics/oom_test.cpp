#include <catch2/catch.hpp>

#include "back/diagnostics/oom.hpp"

using namespace reship::back::diagnostics;

TEST_CASE("oom: the oom_kill count of either cgroup version's file", "[unit]") {
  CHECK(oom_kill_count("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n") == std::optional<uint64_t>(1));
  CHECK(oom_kill_count("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n") == std::optional<uint64_t>(3));
  CHECK_FALSE(oom_kill_count("oom_kill_disable 0\nunder_oom 0\n"));
  CHECK_FALSE(oom_kill_count(""));
}

TEST_CASE("oom: the message when the OOM killer took a process during the step", "[unit]") {
  const char* before = "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n";
  const char* after = "low 0\nhigh 0\nmax 40\noom 1\noom_kill 1\n";
  CHECK(cgroup_oom_message(CgroupVersion::v2, before, after, "536870912\n") ==
        std::optional<std::string>("out of memory: the build's cgroup hit memory.max (512 MiB)"));
  CHECK(cgroup_oom_message(CgroupVersion::v2, before, after, "max\n") ==
        std::optional<std::string>("out of memory: the build's cgroup hit memory.max"));
  CHECK(cgroup_oom_message(CgroupVersion::v1, "oom_kill 2\n", "oom_kill 3\n", "67108864") ==
        std::optional<std::string>("out of memory: the build's cgroup hit memory.limit_in_bytes (64 MiB)"));
  CHECK_FALSE(cgroup_oom_message(CgroupVersion::v2, after, after, "536870912"));
  CHECK_FALSE(cgroup_oom_message(CgroupVersion::v2, before, "", "536870912"));
}

TEST_CASE("oom: limits and sizes in words", "[unit]") {
  CHECK(parse_memory_limit("536870912\n") == std::optional<uint64_t>(536870912));
  CHECK_FALSE(parse_memory_limit("max\n"));
  CHECK_FALSE(parse_memory_limit("9223372036854771712\n"));  // v1: no limit
  CHECK(format_bytes(512) == "512 bytes");
  CHECK(format_bytes(512 * 1024 * 1024) == "512 MiB");
  CHECK(format_bytes(1536ULL * 1024 * 1024) == "1.5 GiB");
  CHECK(format_bytes(900 * 1024) == "900 KiB");
}

TEST_CASE("oom: what processes say when memory runs out", "[unit]") {
  CHECK(out_of_memory_text("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory") ==
        std::optional<std::string>("JavaScript heap out of memory"));
  CHECK(out_of_memory_text("MemoryError") == std::optional<std::string>("MemoryError"));
  CHECK(out_of_memory_text("terminate called after throwing an instance of 'std::bad_alloc'") ==
        std::optional<std::string>("std::bad_alloc"));
  CHECK(out_of_memory_text("Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space") ==
        std::optional<std::string>("java.lang.OutOfMemoryError: Java heap space"));
  CHECK(out_of_memory_text("fatal error: runtime: out of memory") ==
        std::optional<std::string>("runtime: out of memory"));
  CHECK_FALSE(out_of_memory_text("NotMemoryError: x"));
  CHECK_FALSE(out_of_memory_text("error: expected ';'"));
}
