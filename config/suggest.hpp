#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace shelfwire::config {

/// Edit distance (optimal string alignment: insertions, deletions,
/// substitutions and transpositions of neighbours each cost 1).
size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `given`, if close enough to be a likely typo
/// (distance at most 1 + |given| / 5, and at most 3); empty otherwise.
std::string closest(std::string_view given, const std::vector<std::string>& candidates);

} // namespace shelfwire::config
