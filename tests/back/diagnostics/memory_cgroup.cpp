#include "tests/back/diagnostics/memory_cgroup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "tests/support/temp_dir.hpp"

namespace reship::test {
namespace fs = std::filesystem;
using back::diagnostics::CgroupVersion;

namespace {

bool write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace

std::unique_ptr<MemoryCgroup> MemoryCgroup::create(uint64_t limit_bytes, std::string& why_not) {
  if (::geteuid() != 0) {
    why_not = "not root: cannot make a cgroup";
    return nullptr;
  }
  const std::string name = "reship-test-" + std::to_string(::getpid());
  // v2: the unified hierarchy's root offers the memory controller to its children.
  if (read_file("/sys/fs/cgroup/cgroup.subtree_control").find("memory") != std::string::npos) {
    const fs::path path = fs::path("/sys/fs/cgroup") / name;
    if (::mkdir(path.c_str(), 0755) == 0) {
      std::unique_ptr<MemoryCgroup> group(new MemoryCgroup(CgroupVersion::v2, path));
      if (write_file(path / "memory.max", std::to_string(limit_bytes)) && write_file(path / "memory.swap.max", "0")) {
        return group;
      }
      why_not = "cannot set memory.max in " + path.string();
      return nullptr;
    }
    why_not = "cannot create " + path.string() + ": " + std::strerror(errno);
  }
  // v1: the memory controller's own hierarchy.
  const fs::path root = "/sys/fs/cgroup/memory";
  if (!fs::exists(root / "memory.limit_in_bytes")) {
    if (why_not.empty()) why_not = "no memory controller: neither cgroup v2's nor v1's is mounted";
    return nullptr;
  }
  const fs::path path = root / name;
  if (::mkdir(path.c_str(), 0755) != 0) {
    why_not = "cannot create " + path.string() + ": " + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<MemoryCgroup> group(new MemoryCgroup(CgroupVersion::v1, path));
  if (!write_file(path / "memory.limit_in_bytes", std::to_string(limit_bytes))) {
    why_not = "cannot set memory.limit_in_bytes in " + path.string();
    return nullptr;
  }
  // With swap, the limit would only push pages out; without memsw files there is no swap accounting.
  if (fs::exists(path / "memory.memsw.limit_in_bytes")) {
    write_file(path / "memory.memsw.limit_in_bytes", std::to_string(limit_bytes));
  }
  write_file(path / "memory.swappiness", "0");
  return group;
}

MemoryCgroup::~MemoryCgroup() {
  // A killed process's memory is uncharged shortly after it is reaped.
  for (int i = 0; i < 100; ++i) {
    if (::rmdir(path_.c_str()) == 0 || errno == ENOENT) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string MemoryCgroup::read(const char* file) const { return read_file(path_ / file); }

bool MemoryCgroup::add(pid_t pid) const { return write_file(path_ / "cgroup.procs", std::to_string(pid)); }

}  // namespace reship::test
