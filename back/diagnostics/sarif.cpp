#include "back/diagnostics/structured.hpp"

#include <simdjson.h>

#include "back/diagnostics/text.hpp"
#include "common/text/json_read.hpp"

namespace reship::back::diagnostics {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;
// Lookups chain on results, so that a missing member anywhere on the way is
// an empty answer, never a read of a null element.
using Found = simdjson::simdjson_result<element>;

std::string_view text_of(Found found) {
  std::string_view s;
  if (found.get_string().get(s)) return {};
  return s;
}

int number_of(Found found) {
  int64_t n = 0;
  if (found.get_int64().get(n) || n <= 0 || n > 1'000'000'000) return 0;
  return static_cast<int>(n);
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
std::string uri_of(Found location, object run) {
  std::string_view uri = text_of(location["uri"]);
  if (uri.empty()) {
    int64_t index = -1;
    array artifacts;
    if (!location["index"].get_int64().get(index) && index >= 0 && !run["artifacts"].get_array().get(artifacts) &&
        static_cast<size_t>(index) < artifacts.size()) {
      uri = text_of(artifacts.at(static_cast<size_t>(index))["location"]["uri"]);
    }
  }
  std::string out(uri);
  const std::string_view base_id = text_of(location["uriBaseId"]);
  if (!out.empty() && !base_id.empty() && !contains(out, "://")) {
    const std::string_view base = text_of(run["originalUriBaseIds"][base_id]["uri"]);
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
  array runs;
  if ((*doc)["runs"].get_array().get(runs)) return common::Error{"not a SARIF log: no \"runs\" array"};
  std::vector<Diagnostic> out;
  for (element run_element : runs) {
    object run;
    array results;
    if (run_element.get_object().get(run) || run["results"].get_array().get(results)) continue;
    const std::string tool = tool_name(text_of(run["tool"]["driver"]["name"]));
    for (element result_element : results) {
      if (out.size() >= max) return out;
      object result;
      if (result_element.get_object().get(result)) continue;
      array suppressions;
      if (!result["suppressions"].get_array().get(suppressions) && suppressions.size() > 0) continue;
      Diagnostic d;
      d.tool = tool;
      d.severity = severity_of(text_of(result["level"]));
      d.code = std::string(text_of(result["ruleId"]));
      d.message = std::string(text_of(result["message"]["text"]));
      if (d.message.empty()) d.message = std::string(text_of(result["message"]["markdown"]));
      const Found physical = result["locations"].at(0)["physicalLocation"];
      d.file = uri_of(physical["artifactLocation"], run);
      d.line = number_of(physical["region"]["startLine"]);
      d.column = number_of(physical["region"]["startColumn"]);
      if (d.message.empty()) d.message = d.code;
      if (d.message.empty() && d.file.empty()) continue;
      out.push_back(std::move(d));
    }
  }
  return out;
}

}  // namespace reship::back::diagnostics
