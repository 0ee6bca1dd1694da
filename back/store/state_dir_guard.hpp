#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace reship::back {

/// One reship-back per `[back] state_dir`, and the truth when the folder is
/// pulled from under it.
///
/// It holds two locks: flock() on state_dir/reship-back.lock, and an abstract
/// Unix socket named after the folder's path, which no rm -rf removes (so a
/// second reship-back is refused even after the folder was deleted and made
/// again). It remembers which folder and files it opened (device and inode),
/// and problem() says when the path no longer leads to them.
class StateDirGuard {
 public:
  struct Refused {
    std::string message;
  };

  /// Creates the folder if needed and takes both locks; the error names the
  /// other reship-back's pid when one holds them.
  static std::variant<std::unique_ptr<StateDirGuard>, Refused> take(const std::filesystem::path& state_dir);
  ~StateDirGuard();
  StateDirGuard(const StateDirGuard&) = delete;
  StateDirGuard& operator=(const StateDirGuard&) = delete;

  /// Also watches `file` (the database), as it is now.
  void watch(const std::filesystem::path& file);
  /// Why what was opened is no longer at its path (removed, or replaced by
  /// another folder or file), with what to do; nothing while all is well.
  std::optional<std::string> problem() const;

 private:
  struct Watched {
    std::filesystem::path path;
    dev_t dev;
    ino_t ino;
  };
  StateDirGuard() = default;

  std::filesystem::path dir_;
  int lock_fd_ = -1;
  int socket_fd_ = -1;
  std::vector<Watched> watched_;
};

}  // namespace reship::back
