#pragma once

#include <string>
#include <vector>

namespace shelfwire {

/// A plain-text table for people (the CLIs): rows of cells, columns
/// left-aligned two spaces apart, the last column not padded, no trailing
/// blanks. The first row is usually a header.
class text_table {
public:
  text_table() = default;
  explicit text_table(std::vector<std::string> header);
  void add(std::vector<std::string> row);
  std::string str() const;

private:
  std::vector<std::vector<std::string>> rows_;
};

} // namespace shelfwire
