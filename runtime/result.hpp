// The one error convention of liner-caf: a result is a value or an error
// (liner's error code plus a message). Every layer returns these; the facade
// turns them into liner's bool + last error.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <liner/error_code.hpp>

namespace liner {

/// Why something failed: liner's error code and a one-line message.
struct failure {
  error_code code = error_code::ok;
  std::string message;
};

template <class T = void>
class result {
public:
  result(T value) : v_(std::move(value)) {}
  result(failure e) : v_(std::move(e)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const failure& error() const { return std::get<1>(v_); }

private:
  std::variant<T, failure> v_;
};

template <>
class result<void> {
public:
  result() = default;
  result(failure e) : e_(std::move(e)) {}

  bool ok() const { return !e_; }
  explicit operator bool() const { return ok(); }
  const failure& error() const { return *e_; }

private:
  std::optional<failure> e_;
};

/// Shorthand for a failed result: `return fail(error_code::store, "...")`.
inline failure fail(error_code code, std::string message) {
  return failure{code, std::move(message)};
}

} // namespace liner
