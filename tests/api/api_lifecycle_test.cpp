// reship-back's life around the API: many callers at once, slow clients,
// SIGTERM, SIGKILL during a build, restarting itself under a real supervisor.

#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <regex>
#include <set>

#include <simdjson.h>

#include "tests/support/back_fixture.hpp"
#include "tests/support/binaries.hpp"

using namespace reship::test;
using namespace std::chrono_literals;

namespace {

const char* kConfig = R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
slow = ["web"]
[back]
listen = @listen
state_dir = "state"
header_timeout = "300ms"
[builds]
platform = ["sh", "-c", "echo built"]
slow = ["sh", "-c", "echo starting; sleep 1; echo finished"]
)";

std::string field(simdjson::dom::parser& parser, const std::string& body, const char* key) {
  std::string_view v;
  if (parser.parse(body)[key].get_string().get(v)) return "";
  return std::string(v);
}

}  // namespace

TEST_CASE("api lifecycle: 200 concurrent synchronous callers during a build get answers per the queue rules",
          "[integration][slow]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  // A build runs; 200 callers arrive; the first takes the queued slot and
  // the 199 others coalesce into it: one deploy, 200 answers.
  auto running = f.request("POST", "/api/v1/deploys", R"({"scope":"slow","mode":"build"})");
  REQUIRE(running.status == 202);
  std::vector<TestClient> clients;
  const std::string body = R"({"scope":"platform"})";
  const std::string request = "POST /api/v1/self/deploy HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  for (int i = 0; i < 200; ++i) {
    clients.push_back(f.client());
    REQUIRE(clients.back().connected());
    REQUIRE(clients.back().send(request));
  }
  simdjson::dom::parser parser;
  std::set<std::string> ids;
  int coalesced = 0;
  for (auto& c : clients) {
    auto r = c.read_response(30s);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    auto doc = parser.parse(r->body);
    REQUIRE_FALSE(doc.error());
    ids.insert(std::string(doc["deployId"].get_string().value()));
    coalesced += doc["coalesced"].get_bool().value() ? 1 : 0;
  }
  CHECK(ids.size() == 1);
  CHECK(coalesced == 199);
  auto list = f.request("GET", "/api/v1/deploys?limit=100");
  CHECK(std::count(list.body.begin(), list.body.end(), '{') > 0);
  auto doc = parser.parse(list.body);
  CHECK(doc["deploys"].get_array().size() == 2);  // the slow one and the shared one
}

TEST_CASE("api lifecycle: a slowloris client is cut off, others are served", "[integration]") {
  BackFixture f(kConfig);
  f.start_back();
  auto slow = f.client();
  REQUIRE(slow.send("GET /healthz HTTP/1.1\r\nHost: t\r\n"));  // and never the end of the headers
  auto cut = slow.read_response(5s);
  REQUIRE(cut.has_value());
  CHECK(cut->status == 408);
  CHECK(slow.wait_closed(5s));
  CHECK(f.request("GET", "/healthz").status == 200);
}

TEST_CASE("api lifecycle: SIGTERM lets the answers in flight finish and exits 0", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto waiting = f.client();
  REQUIRE(waiting.send("POST /api/v1/self/deploy HTTP/1.1\r\nHost: t\r\nContent-Length: 16\r\n\r\n{\"scope\":\"slow\"}"));
  REQUIRE(wait_until([&] { return f.back_log().find("deploy of scope slow") != std::string::npos; }, 10s));
  f.back()->signal(SIGTERM);
  // The caller gets an answer, not a dropped connection: interrupted.
  auto answer = waiting.read_response(15s);
  REQUIRE(answer.has_value());
  CHECK(answer->status == 500);
  simdjson::dom::parser parser;
  CHECK(field(parser, answer->body, "status") == "interrupted");
  CHECK(f.back()->wait(15s) == 0);
  CHECK_FALSE(std::filesystem::exists(f.back_socket()));
}

TEST_CASE("api lifecycle: SIGKILL during a build leaves an interrupted record, the log, no process", "[integration]") {
  BackFixture f(kConfig);
  f.start_back();
  auto created = f.request("POST", "/api/v1/deploys", R"({"scope":"slow","mode":"build"})");
  simdjson::dom::parser parser;
  const std::string id = field(parser, created.body, "deployId");
  const auto log_path = f.dir().path() / "state/logs" / (id + ".log");
  REQUIRE(wait_until([&] { return read_file(log_path).find("starting\n") != std::string::npos; }, 10s));
  f.back()->signal(SIGKILL);
  f.back()->wait(5s);
  const std::string log_at_kill = read_file(log_path);
  f.start_back();
  auto record = f.request("GET", "/api/v1/deploys/" + id);
  CHECK(field(parser, record.body, "status") == "interrupted");
  CHECK_THAT(field(parser, record.body, "errorSummary"),
             Catch::StartsWith("reship-back stopped while this deploy was building"));
  // The log holds everything up to the kill.
  CHECK_THAT(read_file(log_path), Catch::StartsWith(log_at_kill));
  CHECK_THAT(log_at_kill, Catch::Contains("starting\n"));
  // No process of the build is left ("sleep 1" would still run otherwise).
  // The new instance sent SIGKILL at start; the kernel takes a moment.
  CHECK(wait_until([&] { return processes_with_env("RESHIP_DEPLOY_ID=" + id).empty(); }, 5s));
}

TEST_CASE("api lifecycle: a deploy including reship-back answers selfRestart pending, the new instance marks it done",
          "[integration][slow]") {
  BackFixture f(R"(
[services.web]
command = ["@helper", "sleep"]
[services.reship-back]
command = ["@back", "--config", "reship.toml"]
ready = "notify"
[scopes]
all = ["web", "reship-back"]
[back]
listen = @listen
state_dir = "state"
service = "reship-back"
[builds]
all = ["sh", "-c", "echo building all"]
)");
  f.start_supervisor();
  f.wait_back_ready();
  const int old_pid = f.supervisor().service("reship-back").pid.value();
  auto r = f.request("POST", "/api/v1/self/deploy", R"({"scope":"all"})");
  CHECK(r.status == 200);
  simdjson::dom::parser parser;
  CHECK(field(parser, r.body, "status") == "succeeded");
  CHECK(field(parser, r.body, "selfRestart") == "pending");
  const std::string id = field(parser, r.body, "deployId");
  // The supervisor restarts reship-back; the new one completes the record.
  REQUIRE(wait_until([&] {
    auto s = f.supervisor().service("reship-back");
    return s.pid && *s.pid != old_pid && s.state == "running";
  }, 20s));
  f.wait_back_ready();
  std::string self_restart;
  REQUIRE(wait_until([&] {
    self_restart = field(parser, f.request("GET", "/api/v1/deploys/" + id).body, "selfRestart");
    return self_restart == "done";
  }, 10s));
  auto record = f.request("GET", "/api/v1/deploys/" + id);
  CHECK_THAT(record.body, Catch::Contains("\"service\":\"reship-back\",\"ok\":true,\"pid\":" +
                                          std::to_string(f.supervisor().service("reship-back").pid.value())));
}

TEST_CASE("api lifecycle: /api/v1/services shows the supervisor, or 503 with why", "[integration]") {
  BackFixture f(kConfig);
  f.start_back();
  auto down = f.request("GET", "/api/v1/services");
  CHECK(down.status == 503);
  CHECK_THAT(down.body, Catch::Contains("\"code\":\"supervisor_unavailable\"") &&
                            Catch::Contains("cannot reach reship-supervisor at " + f.supervisor().socket()));
  f.start_supervisor();
  auto up = f.request("GET", "/api/v1/services");
  CHECK(up.status == 200);
  CHECK_THAT(up.body, Catch::Contains("\"name\":\"web\""));
}

TEST_CASE("api lifecycle: /healthz and /metrics", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform"})");
  auto health = f.request("GET", "/healthz");
  CHECK(health.status == 200);
  CHECK_THAT(health.body, Catch::Contains("\"ok\":true"));
  auto metrics = f.request("GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK_THAT(metrics.header("content-type"), Catch::StartsWith("text/plain; version=0.0.4"));
  for (const char* line : {"reship_deploys_total{status=\"succeeded\"} 1", "reship_deploy_duration_seconds_count 1",
                           "reship_build_duration_seconds_bucket{le=\"+Inf\"} 1", "reship_queue_depth 0",
                           "reship_build_running 0", "reship_restarts_total{service=\"web\",ok=\"true\"} 1",
                           "reship_event_subscribers 0"}) {
    INFO(line);
    CHECK_THAT(metrics.body, Catch::Contains(line));
  }
}

TEST_CASE("api lifecycle: every route of docs/openapi.yaml is served", "[integration]") {
  BackFixture f(kConfig);
  f.start_back();
  std::ifstream spec(std::string(kSourceDir) + "/docs/openapi.yaml");
  REQUIRE(spec.good());
  // paths:
  //   /api/v1/deploys/{id}:
  //     get:
  std::string line;
  std::string path;
  bool in_paths = false;
  int checked = 0;
  const std::regex path_re("^  (/[^:]*):\\s*$");
  const std::regex method_re("^    (get|post|put|delete|patch):\\s*$");
  while (std::getline(spec, line)) {
    if (line == "paths:") {
      in_paths = true;
      continue;
    }
    if (!line.empty() && line[0] != ' ' && line[0] != '#') in_paths = false;
    if (!in_paths) continue;
    std::smatch m;
    if (std::regex_match(line, m, path_re)) path = m[1].str();
    if (!std::regex_match(line, m, method_re)) continue;
    std::string method = m[1].str();
    for (auto& c : method) c = static_cast<char>(std::toupper(c));
    std::string target = std::regex_replace(path, std::regex("\\{id\\}"), "d-20260101-000000-000000");
    target = std::regex_replace(target, std::regex("\\{name\\}"), "no-such-service");
    INFO(method << " " << path);
    if (target == "/api/v1/events") {
      // A stream: its first bytes are enough to see the route is served.
      auto c = f.client();
      REQUIRE(c.get(target));
      CHECK(c.wait_for_bytes("HTTP/1.1 200 OK", 5s));
    } else {
      auto r = f.request(method, target, method == "POST" ? "{}" : "");
      INFO(r.status << " " << r.body);
      CHECK(r.status != 405);
      // The deploy or the service, not the route.
      if (r.status == 404) CHECK_THAT(r.body, Catch::Contains("no deploy") || Catch::Contains("no service"));
    }
    ++checked;
  }
  CHECK(checked >= 12);
}

TEST_CASE("api lifecycle: a deploy queued behind a self-restart runs in the next instance, not lost",
          "[integration][slow]") {
  BackFixture f(R"(
[services.web]
command = ["@helper", "sleep"]
[services.reship-back]
command = ["@back", "--config", "reship.toml"]
ready = "notify"
[scopes]
all = ["web", "reship-back"]
platform = ["web"]
[back]
listen = @listen
state_dir = "state"
service = "reship-back"
[builds]
all = ["sh", "-c", "echo building all; sleep 0.5"]
platform = ["sh", "-c", "echo building platform"]
)");
  f.start_supervisor();
  f.wait_back_ready();
  auto all = f.client();
  REQUIRE(all.send("POST /api/v1/self/deploy HTTP/1.1\r\nHost: t\r\nContent-Length: 15\r\n\r\n{\"scope\":\"all\"}"));
  REQUIRE(wait_until([&] { return f.request("GET", "/api/v1/deploys?status=building").body.find("\"all\"") !=
                                  std::string::npos; }, 10s));
  // Queued behind the deploy that will restart reship-back.
  auto platform = f.client();
  REQUIRE(platform.send(
      "POST /api/v1/self/deploy HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n{\"scope\":\"platform\"}"));
  auto first = all.read_response(20s);
  REQUIRE(first.has_value());
  CHECK(first->status == 200);
  CHECK_THAT(first->body, Catch::Contains("\"selfRestart\":\"pending\""));
  // The queued caller hears that its deploy waits for the next instance...
  auto second = platform.read_response(20s);
  REQUIRE(second.has_value());
  CHECK(second->status == 503);
  CHECK_THAT(second->body, Catch::Contains("\"code\":\"restarting\""));
  CHECK(second->header("retry-after") == "1");
  simdjson::dom::parser parser;
  // The deploy it concerns, as a field and as a Location.
  const std::string id = field(parser, second->body, "deployId");
  CHECK(id.size() == 24);
  CHECK(second->header("location") == "/api/v1/deploys/" + id);
  // ... which runs it.
  f.wait_back_ready(20s);
  auto done = f.request("GET", "/api/v1/deploys/" + id + "?wait=20");
  CHECK(field(parser, done.body, "status") == "succeeded");
}
