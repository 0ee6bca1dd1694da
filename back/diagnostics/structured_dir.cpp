#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "back/diagnostics/structured.hpp"
#include "back/diagnostics/text.hpp"

namespace reship::back::diagnostics {
namespace fs = std::filesystem;
namespace {

// Reads at most `limit` bytes of a regular file; a bigger file is refused
// rather than cut, since cut JSON is no JSON.
common::Result<std::string> read_bounded(const fs::path& path, size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return common::Error{std::string("cannot open: ") + std::strerror(errno), errno};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return common::Error{"not a regular file"};
  }
  if (static_cast<uint64_t>(st.st_size) > limit) {
    ::close(fd);
    return common::Error{"larger than " + std::to_string(limit / (1024 * 1024)) + " MiB; not read"};
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

bool looks_like_sarif(std::string_view json) {
  const std::string_view head = json.substr(0, 4096);
  return contains(head, "\"runs\"") || contains(head, "sarif");
}

}  // namespace

StructuredDiagnostics read_diagnostics_dir(const fs::path& dir) {
  StructuredDiagnostics out;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string ext = it->path().extension().string();
    if (ext == ".sarif" || ext == ".json") files.push_back(it->path());
    if (files.size() > 4 * kMaxStructuredFiles) break;
  }
  std::sort(files.begin(), files.end());
  if (files.size() > kMaxStructuredFiles) files.resize(kMaxStructuredFiles);
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    auto text = read_bounded(path, kMaxStructuredFileBytes);
    if (!text) {
      out.problems.push_back(name + ": " + text.error().message);
      continue;
    }
    if (trim(*text).empty()) continue;  // a compiler that found nothing to say
    const size_t room = kMaxStructuredDiagnostics - out.diagnostics.size();
    auto found = path.extension() == ".sarif" || looks_like_sarif(*text) ? read_sarif(*text, room)
                                                                          : read_gcc_json(*text, room);
    if (!found) {
      out.problems.push_back(name + ": " + found.error().message);
      continue;
    }
    for (auto& d : *found) out.diagnostics.push_back(std::move(d));
    if (out.diagnostics.size() >= kMaxStructuredDiagnostics) break;
  }
  return out;
}

}  // namespace reship::back::diagnostics
