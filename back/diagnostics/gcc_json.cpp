#include "back/diagnostics/structured.hpp"

#include <simdjson.h>

namespace reship::back::diagnostics {
namespace {

void read_array(simdjson::dom::array items, size_t max, std::vector<Diagnostic>& out) {
  for (simdjson::dom::element item : items) {
    if (out.size() >= max) return;
    simdjson::dom::object o;
    std::string_view kind;
    std::string_view message;
    if (item.get_object().get(o) || o["kind"].get_string().get(kind) || o["message"].get_string().get(message)) {
      continue;
    }
    Diagnostic d;
    d.tool = "gcc";
    // "error", "fatal error", "sorry, unimplemented", "internal compiler
    // error" are errors; "warning" and "note" are what they say.
    d.severity = kind == "warning" ? Severity::warning : kind == "note" ? Severity::note : Severity::error;
    d.message = std::string(message);
    std::string_view option;
    if (!o["option"].get_string().get(option)) d.code = std::string(option);
    simdjson::dom::array locations;
    simdjson::dom::object caret;
    if (!o["locations"].get_array().get(locations) && locations.size() > 0 &&
        !locations.at(0)["caret"].get_object().get(caret)) {
      std::string_view file;
      if (!caret["file"].get_string().get(file)) d.file = std::string(file);
      int64_t n = 0;
      if (!caret["line"].get_int64().get(n) && n > 0 && n < 1'000'000'000) d.line = static_cast<int>(n);
      if (!caret["column"].get_int64().get(n) && n > 0 && n < 1'000'000'000) d.column = static_cast<int>(n);
    }
    out.push_back(std::move(d));
  }
}

}  // namespace

common::Result<std::vector<Diagnostic>> read_gcc_json(std::string_view json, size_t max) {
  // One array per translation unit: several compilations sent to one file
  // write several arrays one after the other.
  const simdjson::padded_string padded(json);
  simdjson::dom::parser parser;
  simdjson::dom::document_stream stream;
  const size_t batch = std::max<size_t>(padded.size(), simdjson::dom::MINIMAL_BATCH_SIZE);
  if (auto error = parser.parse_many(padded, batch).get(stream)) {
    return common::Error{std::string("invalid JSON: ") + simdjson::error_message(error)};
  }
  std::vector<Diagnostic> out;
  size_t documents = 0;
  for (auto document : stream) {
    simdjson::dom::element element;
    if (auto error = document.get(element)) {
      return common::Error{std::string("invalid JSON: ") + simdjson::error_message(error)};
    }
    simdjson::dom::array items;
    if (element.get_array().get(items)) return common::Error{"not GCC JSON diagnostics: not an array"};
    ++documents;
    read_array(items, max, out);
  }
  if (documents == 0) return common::Error{"invalid JSON: no document"};
  return out;
}

}  // namespace reship::back::diagnostics
