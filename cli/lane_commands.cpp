// reship lanes: each lane's scopes, the deploy at its head and the one queued.

#include <cstdio>

#include "cli/back_client.hpp"
#include "cli/commands.hpp"
#include "cli/table.hpp"

namespace reship::cli {
namespace {

using Resend = BackClient::Resend;

// "d-… building", "d-… queued (waiting for build slot)", or "-".
std::string deploy_cell(simdjson::dom::element lane, const char* key) {
  simdjson::dom::element d;
  if (lane[key].get(d) || d.is_null()) return "-";
  std::string cell = json_string(d, "deployId") + " " + json_string(d, "status");
  const std::string waiting = json_string(d, "waitingFor");
  if (!waiting.empty()) cell += " (waiting for " + waiting + ")";
  return cell;
}

int run_lanes(CliContext& ctx, bool json) {
  auto back = BackClient::from(ctx);
  if (!back) return fail(back.error().message);
  auto result = back->call_through_restarts("GET", "/api/v1/lanes", Resend::safe);
  if (!result) return fail(result.error().message);
  if (result->status != 200) return fail(api_error_message(*result));
  if (json) {
    std::printf("%s", result->body.c_str());
    return kExitOk;
  }
  simdjson::dom::parser parser;
  auto doc = parser.parse(result->body);
  simdjson::dom::array lanes;
  if (doc.error() || doc["lanes"].get_array().get(lanes)) return fail("reship-back sent lanes that are not JSON");
  Table table({"LANE", "SCOPES", "RUNNING", "QUEUED", "LOCK"});
  for (auto lane : lanes) {
    std::string scopes;
    simdjson::dom::array list;
    if (!lane["scopes"].get_array().get(list)) {
      for (auto s : list) {
        std::string_view v;
        if (!s.get(v)) scopes += (scopes.empty() ? "" : ",") + std::string(v);
      }
    }
    std::string lock = "-";
    simdjson::dom::element held;
    if (!lane["lock"].get(held) && !held.is_null()) {
      lock = json_string(held, "holder") + " until " + json_string(held, "until");
    }
    table.add({json_string(lane, "name"), scopes, deploy_cell(lane, "running"), deploy_cell(lane, "queued"), lock});
  }
  std::printf("%s", table.render().c_str());
  std::printf("builds at once: at most %lld\n", static_cast<long long>(json_int(doc.value(), "maxParallelBuilds")));
  return kExitOk;
}

}  // namespace

void add_lanes_command(CLI::App& app, CliContext& ctx, int& exit_code) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("lanes", "show each lane: its scopes, its running and its queued deploy");
  cmd->add_flag("--json", *json, "print the JSON answer");
  cmd->callback([&ctx, &exit_code, json] { exit_code = run_lanes(ctx, *json); });
}

}  // namespace reship::cli
