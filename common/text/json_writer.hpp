#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reship::common {

/// Appends `text` to `out` as a JSON string literal (with quotes): control
/// characters escaped, ill-formed UTF-8 replaced by U+FFFD. The output is
/// always valid JSON whatever the input bytes.
void append_json_string(std::string& out, std::string_view text);

/// A small streaming JSON writer that cannot emit invalid JSON: commas and
/// colons are placed for the caller, strings are escaped and made valid UTF-8.
///
///   JsonWriter w;
///   w.begin_object().key("ok").value(true).key("pid").value(42).end_object();
///   w.str() == R"({"ok":true,"pid":42})"
class JsonWriter {
 public:
  JsonWriter() = default;
  explicit JsonWriter(size_t reserve) { out_.reserve(reserve); }

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(bool b);
  JsonWriter& value(int64_t n);
  JsonWriter& value(uint64_t n);
  JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
  JsonWriter& value(unsigned n) { return value(static_cast<uint64_t>(n)); }
  JsonWriter& value(long long n) { return value(static_cast<int64_t>(n)); }
  JsonWriter& value(unsigned long long n) { return value(static_cast<uint64_t>(n)); }
  JsonWriter& value(double d);
  JsonWriter& null();
  /// Writes `json` verbatim as one value; the caller vouches that it is valid JSON.
  JsonWriter& raw(std::string_view json);

  template <class T>
  JsonWriter& value(const std::optional<T>& v) {
    return v ? value(*v) : null();
  }
  JsonWriter& value(const std::vector<std::string>& items);

  /// Shorthand for key(name).value(v).
  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  const std::string& str() const& { return out_; }
  std::string str() && { return std::move(out_); }
  void clear() {
    out_.clear();
    first_.clear();
  }

 private:
  void before_value();

  std::string out_;
  // One entry per open container: true until its first member is written.
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace reship::common
