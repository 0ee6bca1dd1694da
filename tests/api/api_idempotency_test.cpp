// Two escape hatches for callers that cannot hold a request open for a whole
// deploy: Idempotency-Key (a retry joins the deploy its first request made)
// and ?wait= on the synchronous route (the outcome if it comes in time, else
// 202 and where to ask again). Real reship-back, real builds.

#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include <simdjson.h>

#include "tests/support/back_fixture.hpp"

using namespace reship::test;
using namespace std::chrono_literals;

namespace {

// Each build of `counted` adds a line to builds.count (in the workdir, the
// config's folder), so the test sees how many builds ran.
const char* kConfig = R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
counted = ["web"]
slow = ["web"]
quick = ["web"]
broken = ["web"]
[back]
listen = @listen
state_dir = "state"
[builds]
counted = ["sh", "-c", "echo run >> builds.count; sleep 1; echo built"]
slow = ["sh", "-c", "echo starting; sleep 3; echo finished"]
quick = ["sh", "-c", "echo compiled"]
broken = ["sh", "-c", "echo 'lib/x.py:9: error: bad' >&2; exit 3"]
)";

std::string str(simdjson::dom::parser& parser, const std::string& body, const char* key) {
  auto doc = parser.parse(body);
  INFO(body);
  REQUIRE_FALSE(doc.error());
  std::string_view v;
  if (doc[key].get_string().get(v)) return "";
  return std::string(v);
}

size_t builds_run(const BackFixture& f) {
  std::ifstream in(f.dir().path() / "builds.count");
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

std::string keyed_request(const std::string& key, const std::string& body) {
  return "POST /api/v1/self/deploy HTTP/1.1\r\nHost: t\r\nIdempotency-Key: " + key +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("api: retries with the same Idempotency-Key run one build, even across a restart of reship-back",
          "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  const std::string body = R"({"scope":"counted","reason":"ship it"})";
  // Three tries of one request, the later two while the first one builds
  // (a client that retried after a timeout, and once more).
  std::vector<TestClient> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(f.client());
    REQUIRE(clients.back().connected());
    REQUIRE(clients.back().send(keyed_request("retry-1", body)));
    if (i == 0) {
      REQUIRE(wait_until([&] { return builds_run(f) == 1; }, 10s));
    }
  }
  simdjson::dom::parser parser;
  std::set<std::string> ids;
  int replayed = 0;
  for (auto& c : clients) {
    auto r = c.read_response(30s);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(str(parser, r->body, "status") == "succeeded");
    ids.insert(str(parser, r->body, "deployId"));
    replayed += r->header("idempotent-replayed") == "true" ? 1 : 0;
  }
  CHECK(ids.size() == 1);
  CHECK(replayed == 2);
  CHECK(builds_run(f) == 1);
  const std::string id = *ids.begin();

  // The key again, after the deploy ended: its outcome, at once.
  auto late = f.request("POST", "/api/v1/self/deploy", body, "Idempotency-Key: retry-1\r\n");
  CHECK(late.status == 200);
  CHECK(str(parser, late.body, "deployId") == id);
  CHECK(late.header("idempotent-replayed") == "true");

  // The key with another request: 409, naming the deploy it made.
  auto other = f.request("POST", "/api/v1/self/deploy", R"({"scope":"counted","reason":"something else"})",
                         "Idempotency-Key: retry-1\r\n");
  CHECK(other.status == 409);
  CHECK_THAT(other.body, Catch::Contains("\"code\":\"idempotency_conflict\""));
  CHECK_THAT(other.body, Catch::Contains(id));
  // In the body instead of the header: the same key.
  auto in_body =
      f.request("POST", "/api/v1/deploys", R"({"scope":"counted","reason":"ship it","idempotencyKey":"retry-1"})");
  CHECK(in_body.status == 202);
  CHECK(str(parser, in_body.body, "deployId") == id);
  CHECK(in_body.header("location") == "/api/v1/deploys/" + id);
  // Bad keys: 400, nothing started.
  auto differ = f.request("POST", "/api/v1/deploys", R"({"scope":"counted","idempotencyKey":"a"})",
                          "Idempotency-Key: b\r\n");
  CHECK(differ.status == 400);
  CHECK_THAT(differ.body, Catch::Contains("differ"));
  auto empty = f.request("POST", "/api/v1/deploys", R"({"scope":"counted","idempotencyKey":""})");
  CHECK(empty.status == 400);
  CHECK_THAT(empty.body, Catch::Contains("1 to 255 printable ASCII characters"));
  auto control = f.request("POST", "/api/v1/deploys", R"({"scope":"counted","idempotencyKey":"a\u0007b"})");
  CHECK(control.status == 400);

  // reship-back restarted (the connection of a retrying client was cut by
  // it): the key is still known.
  f.back()->stop();
  f.start_back();
  auto after = f.request("POST", "/api/v1/self/deploy", body, "Idempotency-Key: retry-1\r\n");
  CHECK(after.status == 200);
  CHECK(str(parser, after.body, "deployId") == id);
  CHECK(builds_run(f) == 1);
  // Another key is another deploy.
  auto fresh = f.request("POST", "/api/v1/self/deploy", body, "Idempotency-Key: retry-2\r\n");
  CHECK(fresh.status == 200);
  CHECK(str(parser, fresh.body, "deployId") != id);
  CHECK(builds_run(f) == 2);
}

TEST_CASE("api: self/deploy?wait= answers 202 with Location when the deploy outlasts it, then the outcome",
          "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  simdjson::dom::parser parser;
  auto early = f.request("POST", "/api/v1/self/deploy?wait=1", R"({"scope":"slow"})");
  CHECK(early.status == 202);
  const std::string id = str(parser, early.body, "deployId");
  CHECK(str(parser, early.body, "status") == "building");
  CHECK(early.header("location") == "/api/v1/deploys/" + id);
  auto outcome = f.request("GET", early.header("location") + "?wait=30");
  CHECK(outcome.status == 200);
  CHECK(str(parser, outcome.body, "status") == "succeeded");

  // In time: the outcome itself, with the status code and logTail of the
  // synchronous answer.
  auto quick = f.request("POST", "/api/v1/self/deploy?wait=30", R"({"scope":"quick"})");
  CHECK(quick.status == 200);
  CHECK(str(parser, quick.body, "status") == "succeeded");
  CHECK_THAT(str(parser, quick.body, "logTail"), Catch::Contains("compiled"));
  auto broken = f.request("POST", "/api/v1/self/deploy?wait=30", R"({"scope":"broken"})");
  CHECK(broken.status == 500);
  CHECK_THAT(str(parser, broken.body, "errorSummary"), Catch::Contains("lib/x.py:9: error: bad"));

  for (const char* bad : {"?wait=abc", "?wait=601", "?wait=-1"}) {
    auto r = f.request("POST", std::string("/api/v1/self/deploy") + bad, R"({"scope":"quick"})");
    INFO(bad);
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("wait must be a number of seconds from 0 to 600"));
  }
}
