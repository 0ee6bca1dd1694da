// Fuzz target: JSON reading (common/json_read.hpp) and writing
// (common/json_writer.hpp), as the HTTP API and the IPC messages use them.
//
// Invariants:
// - parse_json gives the same answer with and without the caller's padding;
// - for every member of an object, each JsonFields accessor returns a value
//   exactly when the member has that type, records an error when it has
//   another (non-null) type, and returns nothing for null or absent members;
// - reject_unknown records an error exactly when a member is not listed;
// - a parsed document written back with JsonWriter parses again to the same
//   document (numbers compared by value).

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "common/text/json_read.hpp"
#include "common/text/json_writer.hpp"
#include "fuzz_support.hpp"

namespace {

namespace common = reship::common;
using simdjson::dom::element;
using simdjson::dom::element_type;

bool is_number(element_type t) {
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

double number_of(element e) {
  switch (e.type()) {
    case element_type::INT64: return static_cast<double>(int64_t(e));
    case element_type::UINT64: return static_cast<double>(uint64_t(e));
    default: return double(e);
  }
}

void write(common::JsonWriter& w, element e) {
  switch (e.type()) {
    case element_type::ARRAY:
      w.begin_array();
      for (element item : e.get_array()) write(w, item);
      w.end_array();
      break;
    case element_type::OBJECT:
      w.begin_object();
      for (auto field : e.get_object()) {
        w.key(field.key);
        write(w, field.value);
      }
      w.end_object();
      break;
    case element_type::INT64: w.value(int64_t(e)); break;
    case element_type::UINT64: w.value(uint64_t(e)); break;
    case element_type::DOUBLE: w.value(double(e)); break;
    case element_type::STRING: w.value(std::string_view(e)); break;
    case element_type::BOOL: w.value(bool(e)); break;
    case element_type::NULL_VALUE: w.null(); break;
  }
}

bool same(element a, element b) {
  if (a.type() != b.type()) {
    // "%.17g" writes 1.0 as "1", which reads back as an integer.
    return is_number(a.type()) && is_number(b.type()) && number_of(a) == number_of(b);
  }
  switch (a.type()) {
    case element_type::ARRAY: {
      auto x = a.get_array().value_unsafe(), y = b.get_array().value_unsafe();
      if (x.size() != y.size()) return false;
      auto i = x.begin(), j = y.begin();
      for (; i != x.end(); ++i, ++j) {
        if (!same(*i, *j)) return false;
      }
      return true;
    }
    case element_type::OBJECT: {
      auto x = a.get_object().value_unsafe(), y = b.get_object().value_unsafe();
      if (x.size() != y.size()) return false;
      auto i = x.begin(), j = y.begin();
      for (; i != x.end(); ++i, ++j) {
        if (i.key() != j.key() || !same(i.value(), j.value())) return false;
      }
      return true;
    }
    case element_type::INT64: return int64_t(a) == int64_t(b);
    case element_type::UINT64: return uint64_t(a) == uint64_t(b);
    case element_type::DOUBLE: return double(a) == double(b);
    case element_type::STRING: return std::string_view(a) == std::string_view(b);
    case element_type::BOOL: return bool(a) == bool(b);
    case element_type::NULL_VALUE: return true;
  }
  return false;
}

bool all_strings(element e) {
  for (element item : e.get_array()) {
    if (item.type() != element_type::STRING) return false;
  }
  return true;
}

// Each accessor on each member, each on a fresh JsonFields so that the first
// error recorded is this accessor's.
void check_fields(simdjson::dom::object object) {
  for (auto field : object) {
    const std::string_view key = field.key;
    element found;
    FUZZ_CHECK(!object.at_key(key).get(found));  // the first member of that name
    const element_type type = found.type();
    const bool null = type == element_type::NULL_VALUE;

    FUZZ_CHECK(common::JsonFields(object).has(key) == !null);
    {
      common::JsonFields f(object);
      const auto v = f.string(key);
      FUZZ_CHECK(v.has_value() == (type == element_type::STRING));
      if (v) FUZZ_CHECK(*v == std::string_view(found));
      FUZZ_CHECK(f.error().has_value() == (!null && type != element_type::STRING));
    }
    {
      common::JsonFields f(object);
      const auto v = f.boolean(key);
      FUZZ_CHECK(v.has_value() == (type == element_type::BOOL));
      FUZZ_CHECK(f.error().has_value() == (!null && type != element_type::BOOL));
    }
    {
      common::JsonFields f(object);
      const auto v = f.integer(key);
      int64_t n = 0;
      const bool fits = !found.get_int64().get(n);
      FUZZ_CHECK(v.has_value() == fits);
      if (v) FUZZ_CHECK(*v == n);
      FUZZ_CHECK(f.error().has_value() == (!null && !fits));
    }
    {
      common::JsonFields f(object);
      const auto v = f.strings(key);
      const bool ok = type == element_type::ARRAY && all_strings(found);
      FUZZ_CHECK(v.has_value() == ok);
      if (v) FUZZ_CHECK(v->size() == found.get_array().size());
      FUZZ_CHECK(f.error().has_value() == (!null && !ok));
    }
    {
      common::JsonFields f(object);
      const auto v = f.object(key);
      FUZZ_CHECK(v.has_value() == (type == element_type::OBJECT));
      FUZZ_CHECK(f.error().has_value() == (!null && type != element_type::OBJECT));
    }
  }
  common::JsonFields absent(object);
  FUZZ_CHECK(!absent.string("\x01 absent").has_value() && !absent.error());

  common::JsonFields all(object);
  all.reject_unknown({});
  FUZZ_CHECK(all.error().has_value() == (object.size() > 0));
  if (object.size() > 0) {
    // Listing the first member's name leaves the others to complain about.
    const std::string_view first = (*object.begin()).key;
    bool others = false;
    for (auto field : object) others = others || field.key != first;
    common::JsonFields f(object);
    f.reject_unknown({first});
    FUZZ_CHECK(f.error().has_value() == others);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = reship::fuzz::as_text(data, size);
  static simdjson::dom::parser parser;
  static simdjson::dom::parser reparser;

  // The padded path reads past the text: give it the padding it needs.
  std::string padded(text);
  padded.append(simdjson::SIMDJSON_PADDING, '\0');
  const bool ok_padded = common::parse_json(parser, std::string_view(padded.data(), text.size()), true).ok();

  auto parsed = common::parse_json(parser, text);
  FUZZ_CHECK(parsed.ok() == ok_padded);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().message.empty());
    return 0;
  }
  const element root = *parsed;

  simdjson::dom::object object;
  if (!root.get_object().get(object)) check_fields(object);

  common::JsonWriter w;
  write(w, root);
  const std::string written = std::move(w).str();
  auto again = common::parse_json(reparser, written);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(same(root, *again));
  return 0;
}
