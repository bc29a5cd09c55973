#include "actors/node/local_client.hpp"

#include <caf/all.hpp>

namespace shelfwire {

caf::behavior local_client(caf::stateful_actor<local_client_state>* self, node_context_ptr ctx) {
  self->state.ctx = ctx;
  self->state.dispatch = std::make_unique<command_dispatcher>(std::move(ctx));
  self->set_down_handler([=](caf::down_msg& dm) { self->state.dispatch->redispatch(self, dm); });
  return {
      [=](local_submission& s) {
        auto& st = self->state;
        auto idx = st.next++;
        auto& w = st.waiting[idx];
        w = std::move(s);
        st.dispatch->send(self, idx, w.cmd);
      },
      [=](outcome_atom, uint32_t idx, const command_report& rep) {
        auto& st = self->state;
        auto i = st.waiting.find(idx);
        if (i == st.waiting.end() || !st.dispatch->take(self, idx, self->current_sender()))
          return;
        auto done = std::move(i->second.done);
        st.waiting.erase(i);
        done(rep);
      },
  };
}

} // namespace shelfwire
