#pragma once

#include <string>
#include <vector>

namespace reship::cli {

/// A plain text table with aligned columns, for people reading a terminal.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  /// Every row, columns padded to their widest cell (UTF-8 aware), two spaces apart.
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace reship::cli
