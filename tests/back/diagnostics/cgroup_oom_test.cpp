// A build the kernel really OOM-kills in a memory cgroup of its own, and the
// helpers that read it off the cgroup's files. Needs root and a writable
// memory controller (v2, or v1's); elsewhere it says why and exits 77, which
// CTest counts as skipped.

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <catch2/catch.hpp>

#include "back/diagnostics/oom.hpp"
#include "tests/back/diagnostics/memory_cgroup.hpp"

using namespace reship::back::diagnostics;

namespace {

constexpr uint64_t kLimit = 64ULL * 1024 * 1024;

[[noreturn]] void skip(const std::string& why) {
  std::printf("SKIPPED: %s\n", why.c_str());
  std::fflush(stdout);
  std::_Exit(77);
}

// The child: into the cgroup, then memory, page by page, far past the limit.
[[noreturn]] void allocate_past(const reship::test::MemoryCgroup& group) {
  if (!group.add(::getpid())) std::_Exit(3);
  constexpr size_t kChunk = 8 * 1024 * 1024;
  for (size_t total = 0; total < 16 * kLimit; total += kChunk) {
    void* p = ::mmap(nullptr, kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::_Exit(4);
    std::memset(p, 0x5a, kChunk);
  }
  std::_Exit(0);  // the limit did not hold
}

}  // namespace

TEST_CASE("cgroup oom: a process the kernel OOM-kills in its memory cgroup reads as out of memory",
          "[integration][cgroup]") {
  std::string why_not;
  auto group = reship::test::MemoryCgroup::create(kLimit, why_not);
  if (!group) skip(why_not);
  const std::string before = group->read(oom_events_file(group->version()));
  const std::string limit = group->read(memory_limit_file(group->version()));
  if (!oom_kill_count(before)) skip(std::string(oom_events_file(group->version())) + " has no oom_kill count");

  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) allocate_past(*group);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO("status " << status << ", cgroup " << group->path());
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);

  const std::string after = group->read(oom_events_file(group->version()));
  const auto message = cgroup_oom_message(group->version(), before, after, limit);
  REQUIRE(message);
  const std::string expected = std::string("out of memory: the build's cgroup hit ") +
                               memory_limit_file(group->version()) + " (64 MiB)";
  CHECK(*message == expected);
  std::printf("%s (cgroup %s)\n", message->c_str(), group->version() == CgroupVersion::v2 ? "v2" : "v1");
}
