#include <string>

#include "runtime/metrics/catalog.hpp"

namespace shelfwire::metrics {

namespace {

std::string escape_cell(std::string_view s) {
  std::string out;
  for (char c : s)
    out += c == '|' ? std::string{"\\|"} : std::string(1, c);
  return out;
}

std::string labels_cell(const metric_def& d) {
  std::string out;
  for (auto& l : label_names(d))
    out += (out.empty() ? "`" : ", `") + l + "`";
  return out;
}

} // namespace

std::string catalog_markdown() {
  std::string out =
      "| Prometheus (`/metrics`) | labels | type | unit | snapshot / inspector name | what |\n"
      "|---|---|---|---|---|---|\n";
  for (auto& d : node_catalog()) {
    std::string snapshot = d.source == metric_source::registry ? "`" + std::string{d.name} + "`"
                                                               : std::string{"(/metrics only)"};
    out += "| `" + prometheus_name(d) + "` | " + labels_cell(d) + " | " +
           std::string{to_string(d.kind)} + " | " + std::string{d.unit} + " | " +
           escape_cell(snapshot) + " | " + escape_cell(d.help) + " |\n";
  }
  return out;
}

} // namespace shelfwire::metrics
