// Lanes over HTTP and through the CLI: GET /api/v1/lanes, ?lane=, a cancel's
// reason, `reship lanes`.

#include <catch2/catch.hpp>

#include <simdjson.h>

#include "tests/support/back_fixture.hpp"
#include "tests/support/binaries.hpp"

using namespace reship::test;
using namespace std::chrono_literals;

namespace {

const char* kConfig = R"(
[services.web]
command = ["@helper", "sleep"]
[services.shop]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
shop = ["shop"]
[lanes]
platform = ["platform"]
shop = ["shop"]
[back]
listen = @listen
state_dir = "state"
[builds]
platform = ["sh", "-c", "sleep 30"]
shop = ["sh", "-c", "echo shop built"]
)";

std::string str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v)) return "";
  return std::string(v);
}

}  // namespace

TEST_CASE("api lanes: each lane's running and queued deploy, ?lane=, and a cancel's reason", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  simdjson::dom::parser parser;
  auto slow = f.request("POST", "/api/v1/deploys", R"({"scope":"platform"})");
  REQUIRE(slow.status == 202);
  const std::string slow_id = str(parser.parse(slow.body).value(), "deployId");
  auto queued = f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build"})");
  const std::string queued_id = str(parser.parse(queued.body).value(), "deployId");
  // The shop lane does not wait for the platform lane's 30 s build.
  auto shop = f.request("POST", "/api/v1/self/deploy", R"({"scope":"shop"})", "", 10s);
  CHECK(shop.status == 200);
  auto shop_doc = parser.parse(shop.body).value();
  CHECK(str(shop_doc, "lane") == "shop");
  const std::string shop_id = str(shop_doc, "deployId");

  auto lanes = f.request("GET", "/api/v1/lanes");
  REQUIRE(lanes.status == 200);
  auto doc = parser.parse(lanes.body).value();
  CHECK(doc["maxParallelBuilds"].get_int64().value() == 2);
  simdjson::dom::array list = doc["lanes"].get_array().value();
  REQUIRE(list.size() == 2);
  for (auto lane : list) {
    INFO(lanes.body);
    if (str(lane, "name") == "platform") {
      CHECK(str(lane["running"].value(), "deployId") == slow_id);
      CHECK(str(lane["running"].value(), "status") == "building");
      CHECK(str(lane["queued"].value(), "deployId") == queued_id);
    } else {
      CHECK(str(lane, "name") == "shop");
      CHECK(lane["running"].is_null());
      CHECK(lane["queued"].is_null());
    }
  }

  auto by_lane = f.request("GET", "/api/v1/deploys?lane=shop");
  CHECK(by_lane.status == 200);
  CHECK_THAT(by_lane.body, Catch::Contains(shop_id));
  CHECK_THAT(by_lane.body, !Catch::Contains(slow_id));
  auto unknown = f.request("GET", "/api/v1/deploys?lane=nope");
  CHECK(unknown.status == 400);
  CHECK_THAT(unknown.body, Catch::Contains("unknown lane \\\"nope\\\"; lanes: platform, shop"));

  auto metrics = f.request("GET", "/metrics");
  CHECK_THAT(metrics.body, Catch::Contains("reship_lane_running{lane=\"platform\"} 1"));
  CHECK_THAT(metrics.body, Catch::Contains("reship_lane_running{lane=\"shop\"} 0"));
  CHECK_THAT(metrics.body, Catch::Contains("reship_lane_queue_depth{lane=\"platform\"} 1"));
  CHECK_THAT(metrics.body, Catch::Contains("reship_lane_deploys_total{lane=\"shop\",status=\"succeeded\"} 1"));

  // `reship lanes`: the same, for a person.
  auto cli = run_command({kCliBin, "--config", f.config_path(), "lanes"}, 10s);
  INFO(cli.out << cli.err);
  CHECK(cli.exit_code == 0);
  CHECK_THAT(cli.out, Catch::Contains(slow_id + " building"));
  CHECK_THAT(cli.out, Catch::Contains("builds at once: at most 2"));
  auto listed = run_command({kCliBin, "--config", f.config_path(), "deploys", "--lane", "shop"}, 10s);
  INFO(listed.out << listed.err);
  CHECK(listed.exit_code == 0);
  CHECK_THAT(listed.out, Catch::StartsWith("ID") && Catch::Contains("LANE") && Catch::Contains(shop_id));
  CHECK_THAT(listed.out, !Catch::Contains(slow_id));

  // A cancel with a reason: kept in the record.
  auto cancelled = f.request("POST", "/api/v1/deploys/" + slow_id + "/cancel", R"({"reason":"wrong branch"})");
  CHECK(cancelled.status == 200);
  auto done = f.request("GET", "/api/v1/deploys/" + slow_id + "?wait=20");
  CHECK_THAT(str(parser.parse(done.body).value(), "errorSummary"), Catch::Contains("wrong branch"));
  auto bad = f.request("POST", "/api/v1/deploys/" + queued_id + "/cancel", R"({"why":"x"})");
  CHECK(bad.status == 400);
}
