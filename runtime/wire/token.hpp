#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/core/siphash.hpp"

namespace shelfwire::wire {

/// What the `id` token of an action carries, so that the gateway's echo can
/// be delivered to the command actor that sent it — on any node — without
/// correlation state outside the actors.
///
/// Layout (26 bytes, version 2):
///   [0]      token format version (2)
///   [1..8]   node incarnation (random per node process start), big endian
///   [9..16]  command id (node-local serial), big endian
///   [17]     attempt number (1..255)
///   [18..25] MAC: SipHash-2-4 of bytes [0..17] under the minting node's
///            128-bit token key, big endian. The key is random per process
///            and travels only inside the cluster link (mutual TLS).
struct reply_token {
  uint64_t incarnation = 0;
  uint64_t command_id = 0;
  uint8_t attempt = 0;
};

/// The key a node's tokens are authenticated with.
using token_key = siphash_key;

inline constexpr size_t token_size = 26;
inline constexpr uint8_t token_version = 2;

/// Encodes `t` with its MAC under `key`.
std::string encode_token(const reply_token& t, const token_key& key);

/// Parses the layout (version and size) without verifying the MAC: any node
/// can learn which incarnation minted a token.
std::optional<reply_token> peek_token(std::string_view bytes);

/// Parses and verifies the MAC with the minting node's `key` (compared in
/// constant time): a forged or altered token is nullopt.
std::optional<reply_token> verify_token(std::string_view bytes, const token_key& key);

} // namespace shelfwire::wire
