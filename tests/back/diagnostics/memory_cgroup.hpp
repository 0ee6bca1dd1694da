#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "back/diagnostics/oom.hpp"

namespace reship::test {

/// A memory cgroup of a test's own, with a limit: under cgroup v2 where its
/// root offers the memory controller, else under v1's memory hierarchy.
/// Needs root. Removed when destroyed (once its processes are gone).
class MemoryCgroup {
 public:
  /// Nothing, with `why_not` set, where no such cgroup can be made here.
  static std::unique_ptr<MemoryCgroup> create(uint64_t limit_bytes, std::string& why_not);
  ~MemoryCgroup();
  MemoryCgroup(const MemoryCgroup&) = delete;
  MemoryCgroup& operator=(const MemoryCgroup&) = delete;

  back::diagnostics::CgroupVersion version() const { return version_; }
  const std::filesystem::path& path() const { return path_; }
  /// The content of one of its files ("" when it cannot be read).
  std::string read(const char* file) const;
  /// Moves `pid` into it.
  bool add(pid_t pid) const;

 private:
  MemoryCgroup(back::diagnostics::CgroupVersion version, std::filesystem::path path)
      : version_(version), path_(std::move(path)) {}

  back::diagnostics::CgroupVersion version_;
  std::filesystem::path path_;
};

}  // namespace reship::test
