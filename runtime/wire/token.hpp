#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shelfwire::wire {

/// What the `id` token of an action carries, so that the gateway's echo can
/// be delivered to the command actor that sent it — on any node — without
/// correlation state outside the actors.
///
/// Layout (22 bytes, version 1):
///   [0]      token format version (1)
///   [1..8]   node incarnation (random per node process start), big endian
///   [9..16]  command id (node-local serial), big endian
///   [17]     attempt number (1..255)
///   [18..21] check: truncated keyed hash of bytes [0..17] with the minting
///            node's secret; only the minting node can verify it.
struct reply_token {
  uint64_t incarnation = 0;
  uint64_t command_id = 0;
  uint8_t attempt = 0;
};

inline constexpr size_t token_size = 22;
inline constexpr uint8_t token_version = 1;

/// Encodes `t` with the check computed from `secret`.
std::string encode_token(const reply_token& t, uint64_t secret);

/// Parses the layout (version and size) without verifying the check: any
/// node can learn which incarnation minted a token.
std::optional<reply_token> peek_token(std::string_view bytes);

/// Parses and verifies the check with the minting node's `secret`.
std::optional<reply_token> verify_token(std::string_view bytes, uint64_t secret);

} // namespace shelfwire::wire
