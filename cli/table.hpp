#pragma once

#include <string>
#include <vector>

#include "common/text/escape.hpp"

namespace reship::cli {

/// A plain text table with aligned columns, for people reading a terminal.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  /// One row; control characters in a cell (a reason, a summary) are
  /// escaped, so a cell stays one cell of one line.
  void add(std::vector<std::string> row) {
    for (auto& cell : row) cell = common::escape_controls(cell);
    rows_.push_back(std::move(row));
  }
  /// Every row, columns padded to their widest cell (UTF-8 aware), two spaces apart.
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace reship::cli
