#include "config/settings.hpp"

namespace shelfwire::config {

namespace {

const std::string empty_string;
const std::vector<int64_t> empty_list;

} // namespace

void settings::set(std::string key, value v, std::string origin) {
  auto& s = values_[std::move(key)];
  s.v = std::move(v);
  s.origin = std::move(origin);
}

const setting* settings::find(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

bool settings::boolean(std::string_view key) const {
  auto s = find(key);
  auto b = s ? std::get_if<bool>(&s->v) : nullptr;
  return b ? *b : false;
}

int64_t settings::integer(std::string_view key) const {
  auto s = find(key);
  auto i = s ? std::get_if<int64_t>(&s->v) : nullptr;
  return i ? *i : 0;
}

const std::string& settings::string(std::string_view key) const {
  auto s = find(key);
  auto str = s ? std::get_if<std::string>(&s->v) : nullptr;
  return str ? *str : empty_string;
}

const std::vector<int64_t>& settings::integer_list(std::string_view key) const {
  auto s = find(key);
  auto l = s ? std::get_if<std::vector<int64_t>>(&s->v) : nullptr;
  return l ? *l : empty_list;
}

const std::string& settings::origin(std::string_view key) const {
  auto s = find(key);
  return s ? s->origin : empty_string;
}

} // namespace shelfwire::config
