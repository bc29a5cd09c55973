#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/core/mac.hpp"
#include "runtime/wire/decode_error.hpp"
#include "runtime/wire/op.hpp"

namespace shelfwire::wire {

/// The gateway contract, version 1 (docs/gateway-contract.md). These structs
/// are the wire payloads, kept apart from in-process messages (actors/messages).
inline constexpr uint64_t contract_version = 1;

/// Longest `id` token the contract allows.
inline constexpr size_t max_token_bytes = 32;

/// String key -> string value pairs, in payload order.
using arg_list = std::vector<std::pair<std::string, std::string>>;

/// cloud -> gateway, `{prefix}/{gw}/action`, QoS 1.
struct action {
  std::string id; ///< opaque token (binary, <= 32 bytes) the gateway echoes
  esl_mac esl;
  op_kind op = op_kind::ping;
  arg_list args;
  uint32_t ttl_ms = 0; ///< how long the gateway may try
};

/// gateway -> cloud, `{prefix}/{gw}/response`, QoS 1.
struct response {
  std::optional<std::string> id; ///< absent on legacy gateways
  esl_mac esl;
  bool ack = false;
  std::optional<uint32_t> code; ///< 0 ok, 1 not in range, 2 busy, 3 low battery, 4 bad request
  std::optional<int32_t> rssi;
};

/// One advertisement heard by a gateway.
struct advert {
  esl_mac esl;
  int32_t rssi = 0;
};

/// gateway -> cloud, `{prefix}/{gw}/status`, QoS 0.
struct status {
  gw_mac gw;
  std::optional<uint64_t> ts_ms;
  std::vector<advert> adv;
  /// Entries of `adv` that were not a valid [esl, rssi] pair and were skipped
  /// (decoding keeps the valid ones; the caller counts these).
  uint32_t skipped_adverts = 0;
};

// -- encoding: replaces the contents of `out` --------------------------------

void encode(const action& x, std::string& out);
void encode(const response& x, std::string& out);
void encode(const status& x, std::string& out);

// -- decoding: never throws; unknown keys are ignored ------------------------

decoded<action> decode_action(std::string_view bytes, const decode_limits& lim = {});
decoded<response> decode_response(std::string_view bytes, const decode_limits& lim = {});
decoded<status> decode_status(std::string_view bytes, const decode_limits& lim = {});

// -- topics --------------------------------------------------------------------

/// `{prefix}/{gw}/action` etc. `prefix` has no trailing slash ("/gw").
std::string action_topic(std::string_view prefix, gw_mac gw);
std::string response_topic(std::string_view prefix, gw_mac gw);
std::string status_topic(std::string_view prefix, gw_mac gw);

/// Which gateway a topic `{prefix}/{gw}/{kind}` names; nullopt if the topic
/// does not have that shape or the MAC is invalid.
std::optional<gw_mac> gateway_of_topic(std::string_view prefix, std::string_view topic,
                                       std::string_view kind);

} // namespace shelfwire::wire
