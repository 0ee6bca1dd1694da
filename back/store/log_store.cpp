#include "back/store/log_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/text/line_splitter.hpp"
#include "common/text/utf8.hpp"

namespace reship::back {
namespace fs = std::filesystem;

namespace {

// One run of lines in the .idx file.
struct IndexEntry {
  int64_t offset;
  int64_t at_ms;
  uint32_t bytes;
  uint8_t stream;
  uint8_t pad[3];
};
static_assert(sizeof(IndexEntry) == 24);

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string read_range(int fd, int64_t offset, size_t limit) {
  std::string out(limit, '\0');
  size_t got = 0;
  while (got < limit) {
    const ssize_t n = ::pread(fd, out.data() + got, limit - got, offset + static_cast<int64_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

const char* stream_name(LogStream stream) {
  switch (stream) {
    case LogStream::out: return "stdout";
    case LogStream::err: return "stderr";
    case LogStream::reship: return "reship";
  }
  return "?";
}

// ---- LogWriter ---------------------------------------------------------------

common::Result<std::unique_ptr<LogWriter>> LogWriter::open(const fs::path& dir, const std::string& id) {
  const std::string log_path = (dir / (id + ".log")).string();
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return common::errno_error("cannot create the log " + log_path);
  const std::string index_path = (dir / (id + ".idx")).string();
  const int index_fd = ::open(index_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (index_fd < 0) {
    const int err = errno;
    ::close(log_fd);
    return common::errno_error("cannot create the log index " + index_path, err);
  }
  return std::unique_ptr<LogWriter>(new LogWriter(log_fd, index_fd));
}

LogWriter::~LogWriter() {
  ::close(log_fd_);
  ::close(index_fd_);
}

void LogWriter::begin(LogStream stream, int64_t at_ms) {
  stream_ = stream;
  at_ms_ = at_ms;
  batch_.clear();
  batch_offset_ = bytes_;
}

int64_t LogWriter::add(std::string_view line) {
  const int64_t offset = batch_offset_ + static_cast<int64_t>(batch_.size());
  if (common::is_valid_utf8(line)) {
    batch_.append(line);
  } else {
    common::append_sanitized_utf8(batch_, line);
  }
  batch_.push_back('\n');
  return offset;
}

void LogWriter::end() {
  if (batch_.empty() || error_) return;
  if (!write_all(log_fd_, batch_.data(), batch_.size())) {
    error_ = std::string("cannot write the log: ") + std::strerror(errno);
    return;
  }
  // A run longer than 4 GiB cannot happen (lines are capped well below), but
  // the index stays correct even then: split it.
  int64_t offset = batch_offset_;
  size_t left = batch_.size();
  while (left > 0) {
    const uint32_t part = static_cast<uint32_t>(std::min<size_t>(left, UINT32_MAX));
    IndexEntry e{offset, at_ms_, part, static_cast<uint8_t>(stream_), {0, 0, 0}};
    if (!write_all(index_fd_, reinterpret_cast<const char*>(&e), sizeof e)) {
      error_ = std::string("cannot write the log index: ") + std::strerror(errno);
      break;
    }
    offset += part;
    left -= part;
  }
  bytes_ += static_cast<int64_t>(batch_.size());
  batch_.clear();
}

// ---- LogStore ------------------------------------------------------------------

LogStore::LogStore(const fs::path& state_dir, size_t keep_logs) : dir_(state_dir / "logs"), keep_logs_(keep_logs) {}

common::Result<void> LogStore::prepare() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return common::Error{"cannot create " + dir_.string() + ": " + ec.message()};
  count_ = 0;
  // increment(ec), not ++: a readdir error is a message, never an exception.
  fs::directory_iterator it(dir_, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) count_ += it->path().extension() == ".log";
  if (ec) return common::Error{"cannot list " + dir_.string() + ": " + ec.message()};
  return {};
}

common::Result<std::unique_ptr<LogWriter>> LogStore::create(const std::string& id) {
  auto writer = LogWriter::open(dir_, id);
  if (writer) ++count_;
  return writer;
}

common::Result<std::string> LogStore::read(const std::string& id, int64_t offset, size_t limit, int64_t* size) const {
  const std::string path = (dir_ / (id + ".log")).string();
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) return common::errno_error("cannot read the log of " + id);
  struct stat st {};
  ::fstat(fd.fd, &st);
  if (size != nullptr) *size = st.st_size;
  if (offset >= st.st_size) return std::string();
  const size_t available = static_cast<size_t>(st.st_size - offset);
  return read_range(fd.fd, offset, std::min(limit, available));
}

std::string LogStore::tail(const std::string& id, size_t max_bytes) const {
  const std::string path = (dir_ / (id + ".log")).string();
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) return "";
  struct stat st {};
  ::fstat(fd.fd, &st);
  const int64_t start = std::max<int64_t>(0, st.st_size - static_cast<int64_t>(max_bytes));
  std::string text = read_range(fd.fd, start, static_cast<size_t>(st.st_size - start));
  if (start > 0) {
    // Cut at the first line start, unless that would drop most of the tail:
    // the end of a very long last line (a build's last output, before
    // reship's own closing lines) is what a reader needs. It is then kept,
    // marked "…" where it was cut, within max_bytes still.
    const size_t nl = text.find('\n');
    if (nl != std::string::npos && nl + 1 < text.size() && nl < text.size() / 2) {
      text.erase(0, nl + 1);
    } else {
      static constexpr std::string_view kCut = "…";
      size_t i = std::min(kCut.size(), text.size());
      while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
      text.replace(0, i, kCut);
    }
  }
  return common::is_valid_utf8(text) ? text : common::sanitize_utf8(text);
}

std::vector<LogLine> LogStore::lines(const std::string& id, int64_t offset, size_t max_lines) const {
  std::vector<LogLine> out;
  const std::string base = (dir_ / id).string();
  Fd index(::open((base + ".idx").c_str(), O_RDONLY | O_CLOEXEC));
  Fd log(::open((base + ".log").c_str(), O_RDONLY | O_CLOEXEC));
  if (index.fd < 0 || log.fd < 0) return out;
  struct stat st {};
  ::fstat(index.fd, &st);
  const size_t entries = static_cast<size_t>(st.st_size) / sizeof(IndexEntry);
  // Binary search for the run holding `offset`.
  size_t lo = 0;
  size_t hi = entries;
  IndexEntry e{};
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    ::pread(index.fd, &e, sizeof e, static_cast<off_t>(mid * sizeof e));
    if (e.offset + static_cast<int64_t>(e.bytes) <= offset) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  for (size_t i = lo; i < entries && out.size() < max_lines; ++i) {
    if (::pread(index.fd, &e, sizeof e, static_cast<off_t>(i * sizeof e)) != sizeof e) break;
    const int64_t from = std::max(offset, e.offset);
    const std::string run = read_range(log.fd, from, static_cast<size_t>(e.offset + e.bytes - from));
    size_t pos = 0;
    while (pos < run.size() && out.size() < max_lines) {
      size_t nl = run.find('\n', pos);
      if (nl == std::string::npos) nl = run.size();
      out.push_back({from + static_cast<int64_t>(pos), static_cast<LogStream>(e.stream), e.at_ms,
                     run.substr(pos, nl - pos)});
      pos = nl + 1;
    }
  }
  return out;
}

std::string LogStore::read_run(const std::string& deploy_id, int64_t offset, uint64_t bytes) const {
  auto text = read(deploy_id, offset, static_cast<size_t>(bytes), nullptr);
  return text ? std::move(*text) : std::string();
}

bool LogStore::is_line_start(const std::string& id, int64_t offset) const {
  if (offset == 0) return true;
  Fd log(::open((dir_ / (id + ".log")).c_str(), O_RDONLY | O_CLOEXEC));
  char before = 0;
  return log.fd >= 0 && ::pread(log.fd, &before, 1, static_cast<off_t>(offset - 1)) == 1 && before == '\n';
}

void LogStore::for_each_line(const std::string& id, size_t max_bytes,
                             const std::function<void(std::string_view)>& fn) const {
  Fd fd(::open((dir_ / (id + ".log")).c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) return;
  struct stat st {};
  ::fstat(fd.fd, &st);
  const auto size = static_cast<uint64_t>(st.st_size);
  off_t offset = size > max_bytes ? static_cast<off_t>(size - max_bytes) : 0;
  bool skip_partial = offset > 0;  // the first line may be cut: drop it
  common::LineSplitter splitter;
  const auto on_line = [&](std::string_view line) {
    if (skip_partial) {
      skip_partial = false;
      return;
    }
    fn(line);
  };
  char buf[64 * 1024];
  ssize_t n;
  while ((n = ::pread(fd.fd, buf, sizeof buf, offset)) > 0) {
    offset += n;
    splitter.feed(std::string_view(buf, static_cast<size_t>(n)), on_line);
  }
  splitter.finish(on_line);
}

void LogStore::prune(const std::set<std::string>& active) {
  if (count_ <= keep_logs_ + active.size()) return;
  // Oldest first. Ids sort by creation time to the second only (their suffix
  // is random), and a busy reship-back finishes many deploys a second: within
  // a second, the log written last is the newest.
  struct Found {
    std::string id;
    int64_t mtime_ns;
  };
  std::vector<Found> found;
  std::error_code ec;
  size_t total = 0;
  // The non-throwing increment: this runs inside a loop callback, where an
  // exception from readdir would end the daemon.
  fs::directory_iterator it(dir_, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    if (path.extension() != ".log") continue;
    ++total;
    std::string id = path.stem().string();
    if (active.count(id) != 0) continue;
    struct stat st {};
    const int64_t mtime = ::stat(path.c_str(), &st) == 0
                              ? static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec
                              : 0;
    found.push_back({std::move(id), mtime});
  }
  if (ec) {
    spdlog::warn("cannot list {} to remove old logs: {}", dir_.string(), ec.message());
    return;
  }
  count_ = total;
  if (found.size() <= keep_logs_) return;
  constexpr size_t kSecondPrefix = 17;  // "d-20261122-120301"
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    const int by_second = a.id.compare(0, kSecondPrefix, b.id, 0, kSecondPrefix);
    if (by_second != 0) return by_second < 0;
    return a.mtime_ns != b.mtime_ns ? a.mtime_ns < b.mtime_ns : a.id < b.id;
  });
  for (size_t i = 0; i + keep_logs_ < found.size(); ++i) {
    fs::remove(dir_ / (found[i].id + ".log"), ec);
    fs::remove(dir_ / (found[i].id + ".idx"), ec);
    --count_;
  }
}

}  // namespace reship::back
