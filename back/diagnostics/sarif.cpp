#include "back/diagnostics/structured.hpp"

#include <simdjson.h>

#include "back/diagnostics/text.hpp"
#include "common/json_read.hpp"

namespace reship::back::diagnostics {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

std::string_view string_at(object o, std::string_view key) {
  std::string_view s;
  if (o[key].get_string().get(s)) return {};
  return s;
}

int int_at(object o, std::string_view key) {
  int64_t n = 0;
  if (o[key].get_int64().get(n) || n <= 0 || n > 1'000'000'000) return 0;
  return static_cast<int>(n);
}

object object_at(object o, std::string_view key) {
  object out;
  if (o[key].get_object().get(out)) return {};
  return out;
}

bool has(object o, std::string_view key) {
  element e;
  return !o[key].get(e);
}

// Well-known names of SARIF producers, as the text recognisers name them.
std::string tool_name(std::string_view driver) {
  const std::string name = lower(driver);
  if (name.starts_with("gnu c")) return "gcc";
  if (name.starts_with("clang")) return "clang";
  return name;
}

// SARIF 3.4: an artifactLocation is a uri, maybe relative to a uriBaseId
// that the run's originalUriBaseIds resolves; or an index into artifacts.
std::string uri_of(object location, object run) {
  std::string_view uri = string_at(location, "uri");
  if (uri.empty()) {
    int64_t index = -1;
    array artifacts;
    if (!location["index"].get_int64().get(index) && index >= 0 && !run["artifacts"].get_array().get(artifacts) &&
        static_cast<size_t>(index) < artifacts.size()) {
      object artifact;
      if (!artifacts.at(static_cast<size_t>(index)).get_object().get(artifact)) {
        uri = string_at(object_at(artifact, "location"), "uri");
      }
    }
  }
  std::string out(uri);
  const std::string_view base_id = string_at(location, "uriBaseId");
  if (!out.empty() && !base_id.empty() && !contains(out, "://")) {
    const std::string_view base = string_at(object_at(object_at(run, "originalUriBaseIds"), base_id), "uri");
    if (!base.empty()) out = std::string(base) + (base.ends_with('/') ? "" : "/") + out;
  }
  return out;
}

Severity severity_of(std::string_view level) {
  if (level == "error") return Severity::error;
  if (level == "note" || level == "none") return Severity::note;
  return Severity::warning;  // SARIF 3.27.10: "warning" when absent
}

}  // namespace

common::Result<std::vector<Diagnostic>> read_sarif(std::string_view json, size_t max) {
  simdjson::dom::parser parser;
  auto doc = common::parse_json(parser, json);
  if (!doc) return std::move(doc).error();
  object root;
  array runs;
  if (doc->get_object().get(root) || root["runs"].get_array().get(runs)) {
    return common::Error{"not a SARIF log: no \"runs\" array"};
  }
  std::vector<Diagnostic> out;
  for (element run_element : runs) {
    object run;
    if (run_element.get_object().get(run)) continue;
    const std::string tool = tool_name(string_at(object_at(object_at(run, "tool"), "driver"), "name"));
    array results;
    if (run["results"].get_array().get(results)) continue;
    for (element result_element : results) {
      if (out.size() >= max) return out;
      object result;
      if (result_element.get_object().get(result)) continue;
      array suppressions;
      if (!result["suppressions"].get_array().get(suppressions) && suppressions.size() > 0) continue;
      Diagnostic d;
      d.tool = tool;
      d.severity = severity_of(string_at(result, "level"));
      d.code = std::string(string_at(result, "ruleId"));
      const object message = object_at(result, "message");
      d.message = std::string(string_at(message, "text"));
      if (d.message.empty()) d.message = std::string(string_at(message, "markdown"));
      array locations;
      object first;
      if (!result["locations"].get_array().get(locations) && locations.size() > 0 &&
          !locations.at(0).get_object().get(first)) {
        const object physical = object_at(first, "physicalLocation");
        d.file = uri_of(object_at(physical, "artifactLocation"), run);
        const object region = object_at(physical, "region");
        d.line = int_at(region, "startLine");
        d.column = int_at(region, "startColumn");
      }
      if (d.message.empty() && d.code.empty() && !has(result, "locations")) continue;
      if (d.message.empty()) d.message = d.code;
      out.push_back(std::move(d));
    }
  }
  return out;
}

}  // namespace reship::back::diagnostics
