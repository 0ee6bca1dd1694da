#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "common/result.hpp"

namespace reship::common {

/// Parses `text` as one JSON value. When `padded` is true the caller promises
/// simdjson::SIMDJSON_PADDING readable bytes after the text (no copy is made);
/// otherwise the parser copies it. The element lives until the next parse.
Result<simdjson::dom::element> parse_json(simdjson::dom::parser& parser, std::string_view text,
                                          bool padded = false);

/// Typed access to the members of a JSON object, recording the first problem
/// in words a client can act on ("\"scope\" must be a string").
///
///   JsonFields f(obj);
///   auto scope = f.string("scope");
///   if (f.error()) return bad_request(*f.error());
class JsonFields {
 public:
  explicit JsonFields(simdjson::dom::object object) : object_(object) {}

  bool has(std::string_view key) const;
  std::optional<std::string_view> string(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  std::optional<int64_t> integer(std::string_view key);
  std::optional<std::vector<std::string_view>> strings(std::string_view key);
  std::optional<simdjson::dom::object> object(std::string_view key);
  std::optional<simdjson::dom::array> array(std::string_view key);
  /// Records an error for every member not in `known`.
  void reject_unknown(std::initializer_list<std::string_view> known);
  void reject_unknown(std::span<const std::string_view> known);

  /// The first problem found, if any.
  const std::optional<std::string>& error() const { return error_; }
  void fail(std::string message) {
    if (!error_) error_ = std::move(message);
  }

 private:
  std::optional<simdjson::dom::element> find(std::string_view key) const;

  simdjson::dom::object object_;
  std::optional<std::string> error_;
};

}  // namespace reship::common
