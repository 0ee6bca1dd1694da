#include "back/diagnostics/oom.hpp"

#include <cstdio>

#include "back/diagnostics/text.hpp"

namespace reship::back::diagnostics {

const char* oom_events_file(CgroupVersion version) {
  return version == CgroupVersion::v2 ? "memory.events" : "memory.oom_control";
}

const char* memory_limit_file(CgroupVersion version) {
  return version == CgroupVersion::v2 ? "memory.max" : "memory.limit_in_bytes";
}

namespace {

std::optional<uint64_t> to_u64(std::string_view digits) {
  if (digits.empty() || digits.size() > 19 || digit_run(digits) != digits.size()) return std::nullopt;
  uint64_t n = 0;
  for (const char c : digits) n = n * 10 + static_cast<uint64_t>(c - '0');
  return n;
}

}  // namespace

std::optional<uint64_t> oom_kill_count(std::string_view events) {
  size_t start = 0;
  while (start < events.size()) {
    size_t end = events.find('\n', start);
    if (end == std::string_view::npos) end = events.size();
    const std::string_view line = trim(events.substr(start, end - start));
    if (line.starts_with("oom_kill ")) return to_u64(trim(line.substr(9)));
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<uint64_t> parse_memory_limit(std::string_view text) {
  auto n = to_u64(trim(text.substr(0, text.find('\n'))));
  // v1 says "no limit" with PAGE_COUNTER_MAX pages in bytes: 2^63 rounded
  // down to a page.
  if (!n || *n >= (uint64_t{1} << 62)) return std::nullopt;
  return n;
}

std::string format_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  if (value == static_cast<double>(static_cast<uint64_t>(value)) || value >= 100) {
    std::snprintf(buf, sizeof buf, "%.0f %s", value, kUnits[unit]);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
  }
  return buf;
}

std::optional<std::string> cgroup_oom_message(CgroupVersion version, std::string_view before, std::string_view after,
                                              std::string_view limit_text, std::string_view subject) {
  const auto was = oom_kill_count(before).value_or(0);
  const auto now = oom_kill_count(after);
  if (!now || *now <= was) return std::nullopt;
  std::string out = "out of memory: the " + std::string(subject) + "'s cgroup hit " + memory_limit_file(version);
  if (auto limit = parse_memory_limit(limit_text)) out += " (" + format_bytes(*limit) + ")";
  return out;
}

std::optional<std::string> out_of_memory_text(std::string_view line) {
  static constexpr std::string_view kSaid[] = {
      "JavaScript heap out of memory",   // node: "FATAL ERROR: ... - JavaScript heap out of memory"
      "std::bad_alloc",                  // C++: "terminate called after throwing an instance of 'std::bad_alloc'"
      "java.lang.OutOfMemoryError",      // "Exception in thread "main" java.lang.OutOfMemoryError: Java heap space"
      "runtime: out of memory",          // Go: "fatal error: runtime: out of memory"
      "virtual memory exhausted",        // GCC's cc1plus
      "out of memory allocating",        // GCC's cc1plus
  };
  for (const auto said : kSaid) {
    const size_t at = line.find(said);
    if (at == std::string_view::npos) continue;
    if (said == "java.lang.OutOfMemoryError") return std::string(trim(line.substr(at)));
    return std::string(said);
  }
  const std::string_view text = trim(line);
  // Python: the traceback's last line, "MemoryError" or "MemoryError: ...".
  if (text == "MemoryError" || text.starts_with("MemoryError: ")) return std::string(text);
  // Rust: "memory allocation of 1099511627776 bytes failed".
  if (text.starts_with("memory allocation of ") && text.ends_with(" bytes failed")) return std::string(text);
  return std::nullopt;
}

}  // namespace reship::back::diagnostics
