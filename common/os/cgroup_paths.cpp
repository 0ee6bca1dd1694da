#include "common/os/cgroup_paths.hpp"

#include <vector>

namespace reship::common {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(sep, start);
    out.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

template <typename Fn>
void for_each_line(std::string_view text, Fn fn) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start && fn(text.substr(start, end - start))) return;
    start = end + 1;
  }
}

bool lists(std::string_view comma_list, std::string_view name) {
  for (const auto item : split(comma_list, ',')) {
    if (item == name) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> own_cgroup_path(std::string_view proc_self_cgroup, std::string_view controller) {
  std::optional<std::string> found;
  for_each_line(proc_self_cgroup, [&](std::string_view line) {
    // "ID:CONTROLLERS:PATH"; PATH itself may hold ':'.
    const size_t first = line.find(':');
    if (first == std::string_view::npos) return false;
    const size_t second = line.find(':', first + 1);
    if (second == std::string_view::npos) return false;
    const std::string_view id = line.substr(0, first);
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const std::string_view path = line.substr(second + 1);
    if (path.empty() || path.front() != '/') return false;
    const bool match = controller.empty() ? (id == "0" && controllers.empty()) : lists(controllers, controller);
    if (match) found = std::string(path);
    return match;
  });
  return found;
}

std::optional<std::string> cgroup_mount_point(std::string_view proc_self_mounts, std::string_view controller) {
  std::optional<std::string> found;
  for_each_line(proc_self_mounts, [&](std::string_view line) {
    // "DEVICE MOUNTPOINT TYPE OPTIONS DUMP PASS". A space in a mount point
    // is written "\040" and left so: such a path is not found, and no
    // cgroup is made there.
    const auto fields = split(line, ' ');
    if (fields.size() < 4 || fields[1].empty() || fields[1].front() != '/') return false;
    const bool match = controller.empty() ? fields[2] == "cgroup2" : fields[2] == "cgroup" && lists(fields[3], controller);
    if (match) found = std::string(fields[1]);
    return match;
  });
  return found;
}

}  // namespace reship::common
