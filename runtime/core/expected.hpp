#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace shelfwire {

/// Wraps an error value so that `expected<T, E>` can be built from it
/// unambiguously: `return unexpected{my_error{...}};`.
template <class E>
struct unexpected {
  E error;
};
template <class E>
unexpected(E) -> unexpected<E>;

/// Either a value or an error; a minimal stand-in for C++23 std::expected.
/// Errors are values here: nothing in the data path throws.
template <class T, class E>
class expected {
public:
  expected(T value)
      : data_(std::in_place_index<0>, std::move(value)) {}
  expected(unexpected<E> err)
      : data_(std::in_place_index<1>, std::move(err.error)) {}

  bool has_value() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const& {
    assert(!has_value());
    return std::get<1>(data_);
  }
  E& error() & {
    assert(!has_value());
    return std::get<1>(data_);
  }

private:
  std::variant<T, E> data_;
};

} // namespace shelfwire
