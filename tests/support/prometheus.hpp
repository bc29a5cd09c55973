#pragma once

// A real Prometheus server (Debian's `prometheus`) on a free loopback port,
// scraping given targets every second, with its HTTP API for queries.

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "runtime/core/json_reader.hpp"
#include "sim/harness/process.hpp"
#include "sim/harness/wait.hpp"
#include "tests/support/http.hpp"

namespace shelfwire::testing {

class prometheus_server {
public:
  /// Scrapes `targets` ("127.0.0.1:port") every second as job "shelfwire",
  /// with `bearer` as the scrape's bearer token if non-empty.
  explicit prometheus_server(const std::vector<std::string>& targets,
                             const std::string& bearer = {})
      : port_(sim::free_port()) {
    std::ofstream cfg{dir_.file("prometheus.yml")};
    cfg << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        << "scrape_configs:\n  - job_name: shelfwire\n";
    if (!bearer.empty())
      cfg << "    authorization:\n      credentials: \"" << bearer << "\"\n";
    cfg << "    static_configs:\n      - targets: [";
    for (size_t i = 0; i < targets.size(); ++i)
      cfg << (i ? ", '" : "'") << targets[i] << "'";
    cfg << "]\n";
    cfg.close();
    proc_ = sim::child_process::start({"prometheus", "--config.file=" + dir_.file("prometheus.yml"),
                                       "--storage.tsdb.path=" + dir_.file("data"),
                                       "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                       "--log.level=warn"},
                                      dir_.file("prometheus.log"));
  }

  uint16_t port() const { return port_; }

  /// Waits until Prometheus answers /-/ready.
  bool wait_ready(std::chrono::milliseconds timeout) {
    return sim::wait_until([&] { return http_get(port_, "/-/ready").status == 200; }, timeout);
  }

  /// An instant query: the "result" array of the answer, or nullopt.
  std::optional<json_value> query(const std::string& expr) {
    auto r = http_get(port_, "/api/v1/query?query=" + url_encode(expr));
    if (r.status != 200)
      return std::nullopt;
    auto v = json_parser::parse(r.body);
    if (!v || !v->is_object() || !v->has("data") || !(*v)["data"].has("result"))
      return std::nullopt;
    return (*v)["data"]["result"];
  }

  /// The value of each series of an instant query (empty if none).
  std::vector<double> values(const std::string& expr) {
    std::vector<double> out;
    if (auto res = query(expr); res && res->is_array())
      for (auto& s : res->array)
        if (s.has("value") && s["value"].array.size() == 2)
          out.push_back(std::stod(s["value"][1].text));
    return out;
  }

  std::string log_tail() const { return proc_.log_tail(); }

private:
  sim::temp_dir dir_; // outlives the process (declared first, destroyed last)
  uint16_t port_;
  sim::child_process proc_;
};

} // namespace shelfwire::testing
