#include "actors/cluster/cluster_manager.hpp"

#include <algorithm>
#include <chrono>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include "actors/inspect/inspector.hpp"
#include "actors/messages/presence_view.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<cluster_manager_state>*;

std::string endpoint_of(const member_info& m) {
  return cluster::endpoint{m.host, m.port}.to_string();
}

cluster_member to_member(const member_info& m) {
  cluster_member c;
  c.name = m.name;
  c.incarnation = m.incarnation;
  c.token_key = m.token_key;
  c.host = m.host;
  c.port = m.port;
  c.up_since_ms = m.up_since_ms;
  c.leaving = m.leaving;
  c.manager = m.manager;
  for (auto& s : m.shards)
    c.shards.push_back(caf::actor_cast<shard_handle>(s));
  c.intake = m.intake;
  c.name_hash = cluster::member_hash(m.name);
  return c;
}

member_list everyone(self_ptr self) {
  auto& st = self->state;
  member_list l;
  l.members.push_back(st.self_info);
  for (auto& [name, m] : st.members)
    l.members.push_back(m);
  return l;
}

/// Publishes a new view to the node: this node plus every member, by name.
void publish_view(self_ptr self) {
  auto& st = self->state;
  auto v = std::make_shared<cluster_view>();
  v->epoch = ++st.epoch;
  v->changed_us = steady_now_us();
  v->self_incarnation = st.self_info.incarnation;
  v->members.push_back(to_member(st.self_info));
  for (auto& [name, m] : st.members)
    v->members.push_back(to_member(m));
  std::sort(v->members.begin(), v->members.end(),
            [](const cluster_member& a, const cluster_member& b) { return a.name < b.name; });
  v->previous = std::move(st.current);
  st.current = v->members;
  st.ctx->metrics->cluster_members.set(static_cast<int64_t>(v->members.size()));
  st.ctx->cluster.set(std::move(v));
}

void join(self_ptr self, const cluster::endpoint& ep);

/// Refuses a node that presents the name of this node or of a live member:
/// names key ESL ownership and job homes, so a second holder would take
/// another's work (or flip membership between two endpoints). A member that
/// restarted is admitted once its previous run is seen down (at once for a
/// killed process, within cluster.failure-timeout-ms for a frozen one).
std::string refuse(self_ptr self, const member_info& m, const member_info& holder) {
  auto& st = self->state;
  st.ctx->metrics->cluster_refused.inc();
  auto why = "the name '" + m.name + "' belongs to a live member (at " + endpoint_of(holder) +
             ", incarnation " + fmt::format("{:016x}", holder.incarnation) +
             "); node names must be unique";
  auto now = steady_now_us();
  auto& last = st.refusal_logged_us[m.name];
  if (now - last >= 10'000'000) { // at most one line per name every 10 s
    last = now;
    log::get("cluster")->error("node at {} (incarnation {:016x}) refused: {}", endpoint_of(m),
                               m.incarnation, why);
  }
  return why;
}

/// Admits `m` (reached over a direct connection), or updates it. Returns
/// why it was refused; empty when admitted or updated.
std::string admit(self_ptr self, const member_info& m) {
  auto& st = self->state;
  auto lg = log::get("cluster");
  if (m.name == st.self_info.name) {
    if (m.incarnation != st.self_info.incarnation)
      return refuse(self, m, st.self_info);
    return {};
  }
  if (!m.manager || m.shards.empty()) {
    lg->warn("member '{}' announced without handles: ignored", m.name);
    return "announced without handles";
  }
  auto i = st.members.find(m.name);
  if (i != st.members.end()) {
    if (i->second.incarnation != m.incarnation)
      return refuse(self, m, i->second);
    if (i->second.leaving != m.leaving) {
      i->second.leaving = m.leaving;
      publish_view(self);
    }
    return {};
  } else {
    lg->info("member '{}' joined at {} (incarnation {:016x})", m.name, endpoint_of(m),
             m.incarnation);
  }
  self->monitor(m.manager);
  st.members.emplace(m.name, m);
  st.last_heard_us[m.name] = steady_now_us();
  st.unreachable.erase(endpoint_of(m));
  st.ctx->metrics->cluster_joins.inc();
  publish_view(self);
  return {};
}

/// Whether `ep` is this node or a member we have.
bool known_endpoint(self_ptr self, const std::string& ep) {
  auto& st = self->state;
  if (ep == endpoint_of(st.self_info))
    return true;
  return std::any_of(st.members.begin(), st.members.end(),
                     [&](auto& kv) { return endpoint_of(kv.second) == ep; });
}

/// Learns about members from a list: each unknown one is connected to
/// directly; `direct` (the node that sent the list) is admitted at once.
void learn(self_ptr self, const member_list& l, const caf::node_id& direct) {
  auto& st = self->state;
  for (auto& m : l.members) {
    if (m.name == st.self_info.name && m.incarnation == st.self_info.incarnation)
      continue;
    if (m.manager && m.manager.node() == direct) {
      admit(self, m);
      continue;
    }
    auto i = st.members.find(m.name);
    if (i != st.members.end() && i->second.incarnation == m.incarnation)
      continue;
    if (m.name != st.self_info.name)
      join(self, cluster::endpoint{m.host, m.port});
  }
}

/// Connects to `ep` directly, then introduces this node to its manager.
void join(self_ptr self, const cluster::endpoint& ep) {
  auto& st = self->state;
  auto key = ep.to_string();
  if (st.connecting.count(key) > 0)
    return;
  st.connecting.insert(key);
  auto timeout =
      std::chrono::milliseconds{std::max<int64_t>(st.ctx->opts.cluster.failure_timeout_ms, 5'000)};
  auto failed = [=](const std::string& why) {
    auto& st = self->state;
    st.connecting.erase(key);
    auto lg = log::get("cluster");
    if (st.unreachable.insert(key).second)
      lg->warn("cannot join {}: {} (retrying every {} ms)", key, why,
               st.ctx->opts.cluster.gossip_interval_ms);
    else
      lg->debug("cannot join {}: {}", key, why);
  };
  // With TLS, connect through caf_openssl: the same BASP broker, a TLS
  // transport (a plain connection to a TLS endpoint fails its handshake).
  auto mm = st.ctx->opts.cluster.tls() ? self->system().openssl_manager().actor_handle()
                                       : self->system().middleman().actor_handle();
  self->request(mm, timeout, caf::connect_atom_v, ep.host, ep.port)
      .then(
          [=](const caf::node_id& nid, caf::strong_actor_ptr& published,
              const std::set<std::string>&) {
            if (nid == self->system().node() || !published) {
              self->state.connecting.erase(key);
              return; // our own endpoint (a seed list naming this node)
            }
            auto peer = caf::actor_cast<caf::actor>(published);
            self->request(peer, timeout, join_atom_v, self->state.self_info)
                .then(
                    [=](member_list& l) {
                      self->state.connecting.erase(key);
                      learn(self, l, nid);
                    },
                    [=](caf::error& e) { failed(self->system().render(e)); });
          },
          [=](caf::error& e) { failed(self->system().render(e)); });
}

void tick(self_ptr self) {
  auto& st = self->state;
  for (auto& ep : st.seeds)
    if (!known_endpoint(self, ep.to_string()))
      join(self, ep);
  if (!st.members.empty()) {
    auto l = everyone(self);
    for (auto& [name, m] : st.members)
      self->send(m.manager, members_atom_v, l);
  }
  self->delayed_send(self, std::chrono::milliseconds{st.ctx->opts.cluster.gossip_interval_ms},
                     caf::tick_atom_v);
}

/// The `members` view: this node first, then the others by name.
std::vector<member_row> member_rows(self_ptr self) {
  auto& st = self->state;
  auto now = steady_now_us();
  std::vector<member_row> rows;
  auto row = [&](const member_info& m, bool self) {
    member_row r;
    r.name = m.name;
    r.incarnation = m.incarnation;
    r.host = m.host;
    r.port = m.port;
    r.state = m.leaving ? "leaving" : self ? "self" : "up";
    r.up_since_ms = m.up_since_ms;
    auto h = st.last_heard_us.find(m.name);
    if (!self && h != st.last_heard_us.end())
      r.last_heard_ms = (now - h->second) / 1000;
    rows.push_back(std::move(r));
  };
  row(st.self_info, true);
  for (auto& [name, m] : st.members)
    row(m, false);
  return rows;
}

/// A message on {presence.topic}/+ (from the node's presence connection).
void presence_seen(self_ptr self, const std::string& topic, const std::string& payload,
                   bool retained) {
  auto& st = self->state;
  auto node = cluster::node_of_presence_topic(st.ctx->opts.presence_topic, topic);
  if (node.empty())
    return;
  std::string why;
  auto lg = log::get("cluster");
  switch (st.presence.apply(node, payload, retained, wall_now_ms(), &why)) {
  case cluster::presence_book::change::ignored:
    lg->debug("presence on {} ignored: {}", topic, why);
    break;
  case cluster::presence_book::change::changed: {
    auto& p = st.presence.find(node)->p;
    // Live changes are news; retained ones are history, seen at subscribe.
    lg->log(retained || node == st.self_info.name ? spdlog::level::debug : spdlog::level::info,
            "presence: node '{}' ({}) {}{}{}", p.node, p.endpoint, cluster::to_string(p.state),
            p.online() ? "" : ", ", p.reason);
    break;
  }
  default:
    break;
  }
}

/// The `members` view's presence: every node the book knows, by name.
std::vector<presence_row> presence_rows(self_ptr self) {
  std::vector<presence_row> rows;
  for (auto& [name, e] : self->state.presence.entries())
    rows.push_back(presence_row{name, e.p.incarnation, std::string{cluster::to_string(e.p.state)},
                                e.p.reason, e.p.endpoint, e.since_ms, e.p.started_ms});
  return rows;
}

} // namespace

caf::behavior cluster_manager(self_ptr self, node_context_ptr ctx, caf::actor inspector,
                              caf::actor intake) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.inspector = std::move(inspector);
  st.self_info.intake = std::move(intake);
  auto& c = *st.ctx;
  st.self_info.name = c.id.name;
  st.self_info.incarnation = c.id.incarnation;
  st.self_info.token_key = c.id.token_key;
  st.self_info.up_since_ms = wall_now_ms();
  st.self_info.manager = caf::actor_cast<caf::actor>(self);
  for (auto& s : c.shards)
    st.self_info.shards.push_back(caf::actor_cast<caf::actor>(s));
  if (auto seeds = cluster::parse_endpoints(c.opts.cluster.seeds))
    st.seeds = std::move(*seeds);
  publish_view(self);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto i = st.members.begin(); i != st.members.end(); ++i) {
      if (i->second.manager.address() != dm.source)
        continue;
      log::get("cluster")->warn(
          "member '{}' at {} is down ({}): its ESLs move to the other members, its jobs "
          "to their standbys",
          i->first, endpoint_of(i->second), self->system().render(dm.reason));
      st.last_heard_us.erase(i->first);
      st.members.erase(i);
      st.ctx->metrics->cluster_downs.inc();
      publish_view(self);
      return;
    }
  });
  return {
      [=](caf::publish_atom, uint16_t port) {
        auto& st = self->state;
        st.self_info.host = st.ctx->cluster_host;
        st.self_info.port = port;
        publish_view(self);
        log::get("cluster")->info("cluster endpoint {}:{}; seeds: {}", st.self_info.host, port,
                                  st.seeds.empty() ? std::string{"none (cluster of one)"}
                                                   : st.ctx->opts.cluster.seeds);
        tick(self);
      },
      [=](caf::tick_atom) { tick(self); },
      [=](join_atom, const member_info& m) -> caf::result<member_list> {
        if (auto why = admit(self, m); !why.empty())
          return caf::make_error(caf::sec::runtime_error, "join refused: " + why);
        return everyone(self);
      },
      [=](members_atom, const member_list& l) {
        // Gossip: admit nobody indirectly, connect to whoever is new.
        auto& st = self->state;
        auto from = self->current_sender() ? self->current_sender()->node() : caf::node_id{};
        for (auto& [name, m] : st.members)
          if (m.manager.node() == from)
            st.last_heard_us[name] = steady_now_us();
        learn(self, l, caf::node_id{});
      },
      // shelfwire-inspect's entry points: the token is checked like the
      // inspector's views (refuse_view).
      [=](inspect_atom, const std::string& token) -> caf::result<caf::actor> {
        if (auto refused = refuse_view(*self->state.ctx, token))
          return *refused;
        return self->state.inspector;
      },
      [=](inspect_atom, members_atom,
          const std::string& token) -> caf::result<std::vector<member_row>> {
        if (auto refused = refuse_view(*self->state.ctx, token))
          return *refused;
        return member_rows(self);
      },
      [=](inspect_atom, members_atom, presence_atom,
          const std::string& token) -> caf::result<std::vector<presence_row>> {
        if (auto refused = refuse_view(*self->state.ctx, token))
          return *refused;
        return presence_rows(self);
      },
      [=](presence_atom, const std::string& topic, const std::string& payload, bool retained) {
        presence_seen(self, topic, payload, retained);
      },
      [=](leave_atom) {
        auto& st = self->state;
        st.self_info.leaving = true;
        for (auto& [name, m] : st.members)
          self->send(m.manager, leave_atom_v, st.self_info.name, st.self_info.incarnation);
        publish_view(self);
        return true;
      },
      [=](leave_atom, const std::string& name, uint64_t incarnation) {
        auto& st = self->state;
        auto i = st.members.find(name);
        if (i == st.members.end() || i->second.incarnation != incarnation || i->second.leaving)
          return;
        log::get("cluster")->info("member '{}' is leaving: its ESLs move to the other members",
                                  name);
        i->second.leaving = true;
        publish_view(self);
      },
  };
}

} // namespace shelfwire
