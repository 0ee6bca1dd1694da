#include "back/diagnostics/paths.hpp"

#include <vector>

#include "back/diagnostics/text.hpp"

namespace reship::back::diagnostics {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string from_file_url(std::string_view url) {
  url.remove_prefix(7);  // "file://"
  if (url.starts_with("localhost/")) url.remove_prefix(9);
  std::string out;
  out.reserve(url.size());
  for (size_t i = 0; i < url.size(); ++i) {
    if (url[i] == '%' && i + 2 < url.size() && hex_digit(url[i + 1]) >= 0 && hex_digit(url[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(url[i + 1]) * 16 + hex_digit(url[i + 2])));
      i += 2;
    } else {
      out.push_back(url[i]);
    }
  }
  return out;
}

// "a/./b/../c" as "a/c"; keeps leading ".." of a relative path.
std::string normal(std::string_view path) {
  const bool absolute = path.starts_with('/');
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == ".") {
      // nothing
    } else if (part == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
    } else if (part == ".." && absolute) {
      // above the root is the root
    } else {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out;
}

}  // namespace

std::string join_path(std::string_view dir, std::string_view path) {
  if (dir.empty() || path.empty() || path.starts_with('/') || path.starts_with("file://")) return std::string(path);
  std::string out(dir);
  if (!out.ends_with('/')) out += '/';
  out += path;
  return out;
}

std::string project_path(std::string_view path, std::string_view workdir) {
  std::string plain = path.starts_with("file://") ? from_file_url(path) : std::string(path);
  // Names that are not files: "<stdin>", "<frozen runpy>", "node:internal/...".
  if (plain.empty() || plain.front() == '<' || plain.starts_with("node:")) return plain;
  plain = normal(plain);
  if (workdir.empty() || !plain.starts_with('/')) return plain;
  const std::string root = normal(workdir);
  if (root == "/") return plain.substr(1);
  if (plain.size() > root.size() && plain.starts_with(root) && plain[root.size()] == '/') {
    return plain.substr(root.size() + 1);
  }
  return plain;
}

bool is_third_party(std::string_view path, std::string_view workdir) {
  static constexpr std::string_view kAnywhere[] = {
      "node_modules/", "site-packages/", "dist-packages/", "/include/c++/", "/lib/gcc/", "/.cargo/registry/",
      "/.rustup/", "/rustc/", "/pkg/mod/", "/go/src/runtime/", "/usr/lib/go", "/usr/local/go/", "/lib/python3",
      "/.pnpm/", "/.yarn/"};
  static constexpr std::string_view kStart[] = {"/usr/include/", "/usr/lib/", "/usr/local/include/",
                                                "/usr/local/lib/", "/usr/share/", "/lib/", "/opt/",
                                                "node:", "internal/", "<", "java.", "javax.", "jdk.", "sun.",
                                                "webpack/", "runtime/"};
  for (const auto part : kAnywhere) {
    if (contains(path, part)) return true;
  }
  if (!workdir.empty() && path.starts_with('/')) {
    // The workdir may well be under /opt or /usr/src: inside it is the project.
    std::string_view root = workdir;
    while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
    return !(path.size() > root.size() && path.starts_with(root) && path[root.size()] == '/');
  }
  for (const auto start : kStart) {
    if (path.starts_with(start)) return true;
  }
  return false;
}

}  // namespace reship::back::diagnostics
