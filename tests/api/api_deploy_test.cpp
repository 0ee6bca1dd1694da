// The deploy routes of contract 3, against a real reship-back and a real
// reship-supervisor, over real sockets.

#include <catch2/catch.hpp>

#include <simdjson.h>

#include "tests/support/back_fixture.hpp"

using namespace reship::test;
using namespace std::chrono_literals;

namespace {

// Two services under the supervisor; builds that print and take a moment.
const char* kConfig = R"(
[services.web]
command = ["@helper", "sleep"]
[services.api]
command = ["@helper", "sleep"]
[scopes]
platform = ["web", "api"]
slow = ["web"]
broken = ["web"]
[back]
listen = @listen
state_dir = "state"
log_tail_bytes = 2048
[builds]
platform = ["sh", "-c", "for i in 1 2 3 4 5; do echo compiling module $i; done; echo done"]
slow = ["sh", "-c", "echo starting; sleep 1; echo finished"]
broken = ["sh", "-c", "echo 'src/main.c:3:5: error: expected identifier' >&2; for i in $(seq 30); do echo noise $i; done; exit 2"]
)";

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& body) {
  auto doc = parser.parse(body);
  INFO(body);
  REQUIRE_FALSE(doc.error());
  return doc.value();
}

std::string str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v)) return "";
  return std::string(v);
}

}  // namespace

TEST_CASE("api: a synchronous self-deploy answers 200 with every field of contract 3.1", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto r = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","sessionId":"s-1","reason":"test"})");
  CHECK(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  simdjson::dom::parser parser;
  auto doc = parse(parser, r.body);
  for (const char* field : {"deployId", "status", "ok", "scope", "mode", "targets", "requestedBy", "sessionId",
                            "createdAt", "startedAt", "finishedAt", "queuedMs", "durationMs", "exitCode", "signal",
                            "errorSummary", "restarts", "selfRestart", "coalesced", "logBytes", "logTail"}) {
    INFO(field);
    CHECK_FALSE(doc[field].error());
  }
  CHECK(str(doc, "status") == "succeeded");
  CHECK(doc["ok"].get_bool().value());
  CHECK(str(doc, "scope") == "platform");
  CHECK(str(doc, "mode") == "deploy");
  CHECK(str(doc, "sessionId") == "s-1");
  CHECK(str(doc, "requestedBy") == "anonymous");
  CHECK(doc["exitCode"].get_int64().value() == 0);
  CHECK(doc["errorSummary"].is_null());
  CHECK(doc["signal"].is_null());
  CHECK(doc["selfRestart"].is_null());
  CHECK_FALSE(doc["coalesced"].get_bool().value());
  CHECK(doc["restarts"].get_array().size() == 2);
  for (auto restart : doc["restarts"].get_array()) {
    CHECK(restart["ok"].get_bool().value());
    CHECK(restart["pid"].get_int64().value() > 0);
  }
  const std::string tail = str(doc, "logTail");
  CHECK_THAT(tail, Catch::Contains("compiling module 5\ndone\n"));
  CHECK(doc["logBytes"].get_int64().value() >= static_cast<int64_t>(tail.size()));
}

TEST_CASE("api: a failing build answers 500 with a useful errorSummary and logTail", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto r = f.request("POST", "/api/v1/self/deploy", R"({"scope":"broken"})");
  CHECK(r.status == 500);
  simdjson::dom::parser parser;
  auto doc = parse(parser, r.body);
  CHECK(str(doc, "status") == "failed");
  CHECK_FALSE(doc["ok"].get_bool().value());
  CHECK(doc["exitCode"].get_int64().value() == 2);
  CHECK(str(doc, "errorSummary") == "build failed: exited with code 2\nsrc/main.c:3:5: error: expected identifier");
  CHECK_THAT(str(doc, "logTail"), Catch::Contains("noise 30\n"));
  CHECK(doc["restarts"].get_array().size() == 0);
}

TEST_CASE("api: cancelRunning says when it could not apply, and a deploy it cancels names its successor",
          "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  simdjson::dom::parser parser;
  // Nothing runs: said in the answer.
  auto alone = f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build","cancelRunning":true})");
  CHECK(alone.status == 202);
  CHECK_THAT(alone.body, Catch::Contains(R"("warnings":["cancelRunning: no other deploy was running"])"));
  f.request("GET", "/api/v1/deploys/" + str(parse(parser, alone.body), "deployId") + "?wait=20");
  // A build of "slow" runs; a build of "platform" does not cover it.
  auto slow = f.request("POST", "/api/v1/deploys", R"({"scope":"slow","mode":"build"})");
  const std::string slow_id = str(parse(parser, slow.body), "deployId");
  auto other = f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build","cancelRunning":true})");
  CHECK_THAT(other.body, Catch::Contains("cancelRunning: the running deploy " + slow_id) &&
                             Catch::Contains("was not cancelled"));
  // One of the same scope does: the running one ends cancelled, superseded.
  auto same = f.request("POST", "/api/v1/deploys", R"({"scope":"slow","mode":"build","cancelRunning":true})");
  const std::string same_id = str(parse(parser, same.body), "deployId");
  CHECK(parse(parser, same.body)["warnings"].error() == simdjson::NO_SUCH_FIELD);
  auto cancelled = parse(parser, f.request("GET", "/api/v1/deploys/" + slow_id + "?wait=20").body);
  CHECK(str(cancelled, "status") == "cancelled");
  CHECK(str(cancelled, "supersededBy") == same_id);
}

TEST_CASE("api: a cancelled deploy answers 409", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto sync = f.client();
  REQUIRE(sync.send("POST /api/v1/self/deploy HTTP/1.1\r\nHost: t\r\nContent-Length: 16\r\n\r\n{\"scope\":\"slow\"}"));
  // Find it while it builds, and cancel it.
  std::string id;
  REQUIRE(wait_until([&] {
    auto list = f.request("GET", "/api/v1/deploys?status=building");
    simdjson::dom::parser parser;
    auto doc = parse(parser, list.body);
    auto deploys = doc["deploys"].get_array().value();
    if (deploys.size() == 0) return false;
    id = str(deploys.at(0).value(), "deployId");
    return true;
  }, 10s));
  auto cancel = f.request("POST", "/api/v1/deploys/" + id + "/cancel");
  CHECK(cancel.status == 200);
  auto answer = sync.read_response(10s);
  REQUIRE(answer.has_value());
  CHECK(answer->status == 409);
  simdjson::dom::parser parser;
  auto doc = parse(parser, answer->body);
  CHECK(str(doc, "status") == "cancelled");
  CHECK(str(doc, "errorSummary") == "cancelled by anonymous");
}

TEST_CASE("api: 202 with Location, then ?wait= long-polls until the end", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto created = f.request("POST", "/api/v1/deploys", R"({"scope":"slow","mode":"build"})");
  CHECK(created.status == 202);
  simdjson::dom::parser parser;
  const std::string id = str(parse(parser, created.body), "deployId");
  CHECK(created.header("location") == "/api/v1/deploys/" + id);
  auto now = f.request("GET", "/api/v1/deploys/" + id);
  CHECK(now.status == 200);
  CHECK(str(parse(parser, now.body), "status") == "building");
  CHECK(parse(parser, now.body)["queuePosition"].get_int64().value() == 0);
  // No outcome yet: ok says nothing (null), rather than false.
  CHECK(parse(parser, now.body)["ok"].is_null());
  CHECK(parse(parser, created.body)["ok"].is_null());
  auto done = f.request("GET", "/api/v1/deploys/" + id + "?wait=20&tail=1");
  CHECK(done.status == 200);
  auto doc = parse(parser, done.body);
  CHECK(str(doc, "status") == "succeeded");
  CHECK(doc["ok"].get_bool().value());
  CHECK_THAT(str(doc, "logTail"), Catch::Contains("finished\n"));
  // Without tail=1, no logTail.
  auto plain = f.request("GET", "/api/v1/deploys/" + id);
  CHECK(parse(parser, plain.body)["logTail"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("api: the log by offset with X-Log-Next-Offset, and its lines with stream and time", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto deploy = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  simdjson::dom::parser parser;
  const std::string id = str(parse(parser, deploy.body), "deployId");
  auto whole = f.request("GET", "/api/v1/deploys/" + id + "/log");
  CHECK(whole.status == 200);
  CHECK_THAT(whole.header("content-type"), Catch::StartsWith("text/plain"));
  CHECK(whole.header("x-log-next-offset") == std::to_string(whole.body.size()));
  CHECK_THAT(whole.body, Catch::Contains("compiling module 1\n"));
  auto part = f.request("GET", "/api/v1/deploys/" + id + "/log?offset=10&limit=20");
  CHECK(part.body == whole.body.substr(10, 20));
  CHECK(part.header("x-log-next-offset") == "30");
  auto past = f.request("GET", "/api/v1/deploys/" + id + "/log?offset=999999");
  CHECK(past.body.empty());
  // Past the end, the next offset is the end (where new output would be).
  CHECK(past.header("x-log-next-offset") == std::to_string(whole.body.size()));
  auto lines = f.request("GET", "/api/v1/deploys/" + id + "/lines");
  CHECK(lines.status == 200);
  // An offset in the middle of a line is refused, not read from there.
  auto mid = f.request("GET", "/api/v1/deploys/" + id + "/lines?offset=3");
  CHECK(mid.status == 400);
  CHECK_THAT(mid.body, Catch::Contains("is not where a line starts"));
  auto doc = parse(parser, lines.body);
  bool saw_stdout = false;
  for (auto line : doc["lines"].get_array()) {
    if (str(line, "text") == "compiling module 1") {
      saw_stdout = str(line, "stream") == "stdout";
      CHECK_FALSE(str(line, "at").empty());
    }
  }
  CHECK(saw_stdout);
}

TEST_CASE("api: log?follow=1 streams until the deploy ends", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto created = f.request("POST", "/api/v1/deploys", R"({"scope":"slow","mode":"build"})");
  simdjson::dom::parser parser;
  const std::string id = str(parse(parser, created.body), "deployId");
  auto c = f.client();
  // HTTP/1.0: the body runs until the server closes, without chunk framing.
  REQUIRE(c.send("GET /api/v1/deploys/" + id + "/log?follow=1 HTTP/1.0\r\nHost: t\r\n\r\n"));
  REQUIRE(c.wait_for_bytes("starting\n", 10s));
  CHECK(c.wait_closed(10s));  // ends when the deploy does
  // (wait_closed drops what arrived; the log itself is complete.)
  auto log = f.request("GET", "/api/v1/deploys/" + id + "/log");
  CHECK_THAT(log.body, Catch::Contains("finished\n[reship] build exited with code 0"));
}

TEST_CASE("api: the list is newest first, filtered and paginated", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  for (int i = 0; i < 3; ++i) f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  f.request("POST", "/api/v1/self/deploy", R"({"scope":"broken","mode":"build"})");
  simdjson::dom::parser parser;
  auto page1 = parse(parser, f.request("GET", "/api/v1/deploys?limit=2").body);
  REQUIRE(page1["deploys"].get_array().size() == 2);
  CHECK(str(page1["deploys"].at(0).value(), "scope") == "broken");
  const std::string next = str(page1, "next");
  REQUIRE_FALSE(next.empty());
  auto page2 = parse(parser, f.request("GET", "/api/v1/deploys?limit=2&before=" + next).body);
  CHECK(page2["deploys"].get_array().size() == 2);
  CHECK(page2["next"].is_null());
  auto failed = parse(parser, f.request("GET", "/api/v1/deploys?status=failed").body);
  CHECK(failed["deploys"].get_array().size() == 1);
  auto platform = parse(parser, f.request("GET", "/api/v1/deploys?scope=platform").body);
  CHECK(platform["deploys"].get_array().size() == 3);
  CHECK(f.request("GET", "/api/v1/deploys?status=nope").status == 400);
  // A scope that is not configured (and has no history) is a typo: 400
  // with the scopes there are, as for ?status=.
  auto typo = f.request("GET", "/api/v1/deploys?scope=platfrom");
  CHECK(typo.status == 400);
  CHECK_THAT(typo.body, Catch::Contains("scopes: broken, platform, slow"));
  CHECK(f.request("GET", "/api/v1/deploys?limit=0").status == 400);
}

TEST_CASE("api: bad inputs get their status and error code", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  simdjson::dom::parser parser;
  const auto error_code = [&](const HttpResponse& r) { return str(parse(parser, r.body)["error"].value(), "code"); };
  struct Case {
    std::string body;
    int status;
    std::string code;
  };
  for (const Case& c : {Case{"{not json", 400, "bad_json"}, Case{"[1]", 400, "bad_request"},
                        Case{R"({"scope":"nope"})", 400, "unknown_scope"},
                        Case{R"({"scope":"platform","mode":"fly"})", 400, "unknown_mode"},
                        Case{R"({"scope":5})", 400, "bad_request"},
                        Case{R"({"scope":"platform","scoep":"x"})", 400, "bad_request"}}) {
    INFO(c.body);
    auto r = f.request("POST", "/api/v1/self/deploy", c.body);
    CHECK(r.status == c.status);
    CHECK(error_code(r) == c.code);
  }
  auto unknown_scope = f.request("POST", "/api/v1/self/deploy", R"({"scope":"nope"})");
  CHECK_THAT(unknown_scope.body, Catch::Contains("scopes: broken, platform, slow"));
  auto unknown_mode = f.request("POST", "/api/v1/self/deploy", R"({"mode":"fly"})");
  CHECK_THAT(unknown_mode.body, Catch::Contains("modes: deploy, build, restart"));
  auto huge = f.request("POST", "/api/v1/self/deploy", "{\"reason\":\"" + std::string(100 * 1024, 'x') + "\"}");
  CHECK(huge.status == 413);
  CHECK(f.request("GET", "/api/v1/nope").status == 404);
  auto wrong_method = f.request("DELETE", "/api/v1/self/deploy");
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.header("allow") == "POST");
  CHECK(f.request("GET", "/api/v1/deploys/..%2F..%2Fetc").status == 404);
  CHECK(f.request("GET", "/api/v1/deploys/d-missing").status == 404);
  // Malformed HTTP: 400 and the connection is closed.
  auto c = f.client();
  REQUIRE(c.send("GARBAGE\r\n\r\n"));
  auto r = c.read_response(5s);
  REQUIRE(r.has_value());
  CHECK(r->status == 400);
  CHECK(c.wait_closed(5s));
  // The daemon is still fine.
  CHECK(f.request("GET", "/healthz").status == 200);
}

TEST_CASE("api: a client that disconnects mid-deploy loses nothing", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  {
    auto c = f.client();
    REQUIRE(c.send("POST /api/v1/self/deploy HTTP/1.1\r\nHost: t\r\nContent-Length: 16\r\n\r\n{\"scope\":\"slow\"}"));
    REQUIRE(wait_until([&] { return f.back_log().find("deploy of scope slow") != std::string::npos; }, 10s));
  }  // the client goes away while the build runs
  simdjson::dom::parser parser;
  std::string id;
  REQUIRE(wait_until([&] {
    auto doc = parse(parser, f.request("GET", "/api/v1/deploys?limit=1").body);
    auto deploys = doc["deploys"].get_array().value();
    if (deploys.size() == 0) return false;
    id = str(deploys.at(0).value(), "deployId");
    return true;
  }, 5s));
  auto done = parse(parser, f.request("GET", "/api/v1/deploys/" + id + "?wait=20").body);
  CHECK(str(done, "status") == "succeeded");
  CHECK(done["restarts"].get_array().size() == 1);
  auto log = f.request("GET", "/api/v1/deploys/" + id + "/log");
  CHECK_THAT(log.body, Catch::Contains("finished\n") && Catch::Contains("[reship] deploy succeeded"));
}
