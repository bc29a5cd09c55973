#pragma once

// Field readers shared by the northbound codecs (jobs.cpp, job_notices.cpp).
// Internal to runtime/wire.

#include <string>

#include "runtime/wire/msgpack_io.hpp"

namespace shelfwire::wire::detail {

/// `job`: required, a string that passes check_job_id.
maybe_error read_job_id(const msgpack::object* o, const key_path& where, std::string& out);

/// A required string field.
maybe_error read_required_string(const msgpack::object* o, const key_path& where, std::string& out);

} // namespace shelfwire::wire::detail
