#include "runtime/routing/route_source.hpp"

#include "runtime/routing/route_table.hpp"

namespace shelfwire::routing {

namespace {

class redis_route_source final : public route_source {
public:
  redis_route_source(const redis::connection_options& redis, const route_table_options& table,
                     metrics::registry& reg, const std::string& metric_prefix)
      : conn_(redis, reg, metric_prefix)
      , table_(conn_, table) {}

  redis::errc lookup(const std::vector<esl_mac>& esls, std::vector<route>& out) override {
    return table_.lookup(esls, out);
  }

  bool connected() const override { return conn_.connected(); }

  bool warming() const override { return table_.warming(); }

private:
  redis::connection conn_;
  route_table table_;
};

} // namespace

std::unique_ptr<route_source> make_redis_route_source(const redis::connection_options& redis,
                                                      const route_table_options& table,
                                                      metrics::registry& reg,
                                                      const std::string& metric_prefix) {
  return std::make_unique<redis_route_source>(redis, table, reg, metric_prefix);
}

} // namespace shelfwire::routing
