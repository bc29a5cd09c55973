#include "actors/router/route_lookup.hpp"

#include <caf/all.hpp>

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<route_lookup_state>*;

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.pending.empty())
    return;
  auto n = std::min(st.pending.size(),
                    static_cast<size_t>(std::max(st.ctx->opts.routers.lookup_batch_max, 1)));
  st.esls.clear();
  for (size_t i = 0; i < n; ++i)
    st.esls.push_back(st.pending[i].second);
  st.routes.clear();
  auto err = st.table->lookup(st.esls, st.routes);
  bool ok = err == redis::errc::ok && st.routes.size() == n;
  for (size_t i = 0; i < n; ++i) {
    route_answer a;
    a.ok = ok;
    if (ok)
      a.route = std::move(st.routes[i]);
    else
      a.route.esl = st.esls[i];
    st.pending[i].first.deliver(std::move(a));
  }
  st.pending.erase(st.pending.begin(), st.pending.begin() + static_cast<ptrdiff_t>(n));
  if (!st.pending.empty()) {
    st.flush_scheduled = true;
    self->send(self, flush_atom_v);
  }
}

} // namespace

caf::behavior route_lookup(self_ptr self, node_context_ptr ctx) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.conn = std::make_unique<redis::connection>(st.ctx->opts.redis, *st.ctx->registry,
                                                "redis.lookup.");
  st.table = std::make_unique<routing::route_table>(*st.conn, st.ctx->opts.route_table);
  return {
    [=](lookup_atom, esl_mac esl) -> caf::result<route_answer> {
      auto& st = self->state;
      auto rp = self->make_response_promise<route_answer>();
      st.pending.emplace_back(rp, esl);
      if (!st.flush_scheduled) {
        st.flush_scheduled = true;
        self->send(self, flush_atom_v);
      }
      return rp;
    },
    [=](flush_atom) { flush(self); },
  };
}

} // namespace shelfwire
