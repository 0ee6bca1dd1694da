#include "back/store/state_dir_guard.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <variant>

#include "common/result.hpp"

namespace reship::back {
namespace {

// The abstract socket's name: the folder's absolute path, hashed when long
// (FNV-1a), so that two paths of one folder give one name.
std::string lock_name(const std::filesystem::path& dir) {
  const std::string path = dir.string();
  const std::string prefix = "reship-back-state:";
  if (prefix.size() + path.size() < sizeof(sockaddr_un::sun_path) - 1) return prefix + path;
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char c : path) h = (h ^ c) * 1099511628211ULL;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return prefix + hex + ":" + path.substr(path.size() - 40);
}

sockaddr_un abstract_address(const std::string& name, socklen_t& length) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());  // sun_path[0] = '\0': abstract
  length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return addr;
}

// The pid of whoever listens on the abstract name, by connecting.
std::string holder_pid(const sockaddr_un& addr, socklen_t length) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "?";
  std::string pid = "?";
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), length) == 0) {
    ucred cred{};
    socklen_t size = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) == 0) pid = std::to_string(cred.pid);
  }
  ::close(fd);
  return pid;
}

std::string refused_text(const std::string& pid, const std::filesystem::path& dir) {
  return "another reship-back (pid " + pid + ") uses the state_dir " + dir.string() +
         ": stop it first, or give this one another state_dir";
}

}  // namespace

std::variant<std::unique_ptr<StateDirGuard>, StateDirGuard::Refused> StateDirGuard::take(
    const std::filesystem::path& state_dir) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  std::unique_ptr<StateDirGuard> g(new StateDirGuard());
  g->dir_ = std::filesystem::weakly_canonical(std::filesystem::absolute(state_dir, ec), ec);
  if (g->dir_.empty()) g->dir_ = state_dir;

  // The lock no deletion of the folder removes: held for this process's life.
  socklen_t length = 0;
  const sockaddr_un addr = abstract_address(lock_name(g->dir_), length);
  g->socket_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (g->socket_fd_ < 0) return Refused{common::errno_error("cannot create a socket").message};
  if (::bind(g->socket_fd_, reinterpret_cast<const sockaddr*>(&addr), length) != 0) {
    if (errno == EADDRINUSE) return Refused{refused_text(holder_pid(addr, length), state_dir)};
    return Refused{common::errno_error("cannot take the state_dir lock").message};
  }
  ::listen(g->socket_fd_, 1);

  // The lock other tools see, with the pid in it.
  const std::string path = (state_dir / "reship-back.lock").string();
  g->lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (g->lock_fd_ < 0) return Refused{common::errno_error("cannot open " + path).message};
  // Two reship-backs on one state_dir would both run builds and both
  // "recover" each other's deploys: the second one refuses.
  if (::flock(g->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    (void)!::pread(g->lock_fd_, buf, sizeof buf - 1, 0);
    return Refused{refused_text(std::string(buf, std::strlen(buf)), state_dir)};
  }
  const std::string pid = std::to_string(::getpid());
  (void)!::ftruncate(g->lock_fd_, 0);
  (void)!::pwrite(g->lock_fd_, pid.data(), pid.size(), 0);
  g->watch(state_dir);
  g->watch(path);
  return g;
}

StateDirGuard::~StateDirGuard() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
  if (socket_fd_ >= 0) ::close(socket_fd_);
}

void StateDirGuard::watch(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) watched_.push_back({file, st.st_dev, st.st_ino});
}

std::optional<std::string> StateDirGuard::problem() const {
  for (const Watched& w : watched_) {
    struct stat st {};
    const bool there = ::stat(w.path.c_str(), &st) == 0;
    if (there && st.st_dev == w.dev && st.st_ino == w.ino) continue;
    return w.path.string() + (there ? " was replaced" : " was removed") +
           " while reship-back ran: what it records now would be lost, and another reship-back could take the "
           "folder; restart reship-back (it refuses deploys until then)";
  }
  return std::nullopt;
}

}  // namespace reship::back
