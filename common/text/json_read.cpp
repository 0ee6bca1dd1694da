#include "common/text/json_read.hpp"

namespace reship::common {

Result<simdjson::dom::element> parse_json(simdjson::dom::parser& parser, std::string_view text,
                                          bool padded) {
  simdjson::dom::element element;
  const auto err = parser.parse(text.data(), text.size(), !padded).get(element);
  if (err) return Error{std::string("invalid JSON: ") + simdjson::error_message(err)};
  return element;
}

std::optional<simdjson::dom::element> JsonFields::find(std::string_view key) const {
  simdjson::dom::element element;
  if (object_.at_key(key).get(element)) return std::nullopt;
  return element;
}

bool JsonFields::has(std::string_view key) const {
  auto element = find(key);
  return element && !element->is_null();
}

std::optional<std::string_view> JsonFields::string(std::string_view key) {
  auto element = find(key);
  if (!element || element->is_null()) return std::nullopt;
  std::string_view s;
  if (element->get_string().get(s)) {
    fail("\"" + std::string(key) + "\" must be a string");
    return std::nullopt;
  }
  return s;
}

std::optional<bool> JsonFields::boolean(std::string_view key) {
  auto element = find(key);
  if (!element || element->is_null()) return std::nullopt;
  bool b;
  if (element->get_bool().get(b)) {
    fail("\"" + std::string(key) + "\" must be true or false");
    return std::nullopt;
  }
  return b;
}

std::optional<int64_t> JsonFields::integer(std::string_view key) {
  auto element = find(key);
  if (!element || element->is_null()) return std::nullopt;
  int64_t n;
  if (element->get_int64().get(n)) {
    fail("\"" + std::string(key) + "\" must be an integer");
    return std::nullopt;
  }
  return n;
}

std::optional<std::vector<std::string_view>> JsonFields::strings(std::string_view key) {
  auto element = find(key);
  if (!element || element->is_null()) return std::nullopt;
  simdjson::dom::array array;
  if (element->get_array().get(array)) {
    fail("\"" + std::string(key) + "\" must be an array of strings");
    return std::nullopt;
  }
  std::vector<std::string_view> items;
  for (auto item : array) {
    std::string_view s;
    if (item.get_string().get(s)) {
      fail("\"" + std::string(key) + "\" must be an array of strings");
      return std::nullopt;
    }
    items.push_back(s);
  }
  return items;
}

std::optional<simdjson::dom::object> JsonFields::object(std::string_view key) {
  auto element = find(key);
  if (!element || element->is_null()) return std::nullopt;
  simdjson::dom::object o;
  if (element->get_object().get(o)) {
    fail("\"" + std::string(key) + "\" must be an object");
    return std::nullopt;
  }
  return o;
}

std::optional<simdjson::dom::array> JsonFields::array(std::string_view key) {
  auto element = find(key);
  if (!element || element->is_null()) return std::nullopt;
  simdjson::dom::array a;
  if (element->get_array().get(a)) {
    fail("\"" + std::string(key) + "\" must be an array");
    return std::nullopt;
  }
  return a;
}

void JsonFields::reject_unknown(std::initializer_list<std::string_view> known) {
  reject_unknown(std::span<const std::string_view>(known.begin(), known.size()));
}

void JsonFields::reject_unknown(std::span<const std::string_view> known) {
  for (auto field : object_) {
    bool found = false;
    for (auto k : known) found = found || field.key == k;
    if (!found) fail("unknown field \"" + std::string(field.key) + "\"");
  }
}

}  // namespace reship::common
