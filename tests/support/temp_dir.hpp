#pragma once

#include <filesystem>
#include <string>

namespace reship::test {

/// A fresh directory under /tmp, removed with everything in it on destruction.
/// Its path is short ("/tmp/rs-XXXXXX") so that Unix socket paths inside it
/// stay well under the 107-byte limit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  /// Writes `content` to path()/name (creating folders) and returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

/// The whole content of a file ("" when it cannot be read).
std::string read_file(const std::filesystem::path& path);

}  // namespace reship::test
