#include "back/diagnostics/diagnostic.hpp"

#include <simdjson.h>

#include "common/text/json_read.hpp"

namespace reship::back::diagnostics {

const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
  }
  return "error";
}

void write_diagnostics(common::JsonWriter& w, const std::vector<Diagnostic>& diagnostics) {
  w.begin_array();
  for (const auto& d : diagnostics) {
    w.begin_object();
    if (!d.tool.empty()) w.field("tool", d.tool);
    w.field("severity", severity_name(d.severity));
    if (!d.file.empty()) w.field("file", d.file);
    if (d.line > 0) w.field("line", d.line);
    if (d.column > 0) w.field("column", d.column);
    if (!d.code.empty()) w.field("code", d.code);
    if (!d.message.empty()) w.field("message", d.message);
    if (!d.test.empty()) w.field("test", d.test);
    if (!d.expected.empty()) w.field("expected", d.expected);
    if (!d.received.empty()) w.field("received", d.received);
    w.end_object();
  }
  w.end_array();
}

std::string diagnostics_json(const std::vector<Diagnostic>& diagnostics) {
  common::JsonWriter w;
  write_diagnostics(w, diagnostics);
  return std::move(w).str();
}

namespace {

void read_string(simdjson::dom::object o, std::string_view key, std::string& out) {
  std::string_view s;
  if (!o[key].get_string().get(s)) out = s;
}

int read_int(simdjson::dom::object o, std::string_view key) {
  int64_t n = 0;
  if (o[key].get_int64().get(n) || n <= 0 || n > 1'000'000'000) return 0;
  return static_cast<int>(n);
}

}  // namespace

common::Result<std::vector<Diagnostic>> parse_diagnostics_json(std::string_view json, size_t max) {
  simdjson::dom::parser parser;
  auto doc = common::parse_json(parser, json);
  if (!doc) return std::move(doc).error();
  simdjson::dom::array items;
  if (doc->get_array().get(items)) return common::Error{"diagnostics must be a JSON array"};
  std::vector<Diagnostic> out;
  for (simdjson::dom::element item : items) {
    if (out.size() >= max) break;
    simdjson::dom::object o;
    if (item.get_object().get(o)) continue;
    Diagnostic d;
    read_string(o, "tool", d.tool);
    std::string severity;
    read_string(o, "severity", severity);
    d.severity = severity == "warning" ? Severity::warning : severity == "note" ? Severity::note : Severity::error;
    read_string(o, "file", d.file);
    d.line = read_int(o, "line");
    d.column = read_int(o, "column");
    read_string(o, "code", d.code);
    read_string(o, "message", d.message);
    read_string(o, "test", d.test);
    read_string(o, "expected", d.expected);
    read_string(o, "received", d.received);
    out.push_back(std::move(d));
  }
  return out;
}

std::string location_text(const Diagnostic& d) {
  if (d.file.empty()) return {};
  std::string out = d.file;
  if (d.line > 0) {
    out += ":" + std::to_string(d.line);
    if (d.column > 0) out += ":" + std::to_string(d.column);
  }
  return out;
}

}  // namespace reship::back::diagnostics
