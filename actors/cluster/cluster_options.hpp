#pragma once

#include <cstdint>
#include <string>

namespace shelfwire {

/// Cluster membership and reply delivery across nodes. Keys `cluster.*`.
struct cluster_options {
  /// Address the node's CAF endpoint listens on.
  std::string bind = "127.0.0.1";
  /// Port of the node's CAF endpoint; 0 picks a free port (logged, and shown
  /// in metrics) — fine for a cluster of one, set it when others must join.
  int port = 0;
  /// Host the other members use to reach this node; empty: `bind` (or
  /// 127.0.0.1 when bind is 0.0.0.0 / ::).
  std::string advertise_host;
  /// Members to join at start, "host:port,host:port"; empty: a cluster of one
  /// (until another node names this one as its seed).
  std::string seeds;
  /// How often unreachable seeds are tried again and the member list is
  /// gossiped to every member.
  int64_t gossip_interval_ms = 1'000;
  /// CAF heartbeats between members (middleman.heartbeat-interval).
  int64_t heartbeat_interval_ms = 500;
  /// A member silent this long is down (middleman.connection-timeout): the
  /// bound on detecting a frozen (SIGSTOP) node; a killed one is seen at once.
  int64_t failure_timeout_ms = 2'000;
  /// After a membership change, how long the new owner of an ESL waits at
  /// most for the previous owner to finish that ESL's commands.
  int64_t handoff_timeout_ms = 30'000;
  /// "addressed": a reply reaches its command's actor on whichever node holds
  /// it. "naive": a node drops replies for commands it does not hold itself
  /// (the misrouting baseline, for comparison only).
  std::string reply_routing = "addressed";
  /// Mutual TLS (caf_openssl) between members: CA, this node's certificate
  /// and key (PEM files). All three or none; none: plain TCP.
  std::string tls_ca;
  std::string tls_certificate;
  std::string tls_key;
  /// Passphrase of an encrypted `tls_key` (a secret).
  std::string tls_key_password;
  /// Allow plain TCP on an address beyond loopback (with a warning).
  bool insecure = false;

  /// Whether the cluster link speaks mutual TLS.
  bool tls() const { return !tls_ca.empty(); }
};

} // namespace shelfwire
