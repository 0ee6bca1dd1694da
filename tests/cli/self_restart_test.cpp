// Deploys that restart reship-back itself or bounce the supervisor (edge),
// with the supervisor under a restart loop as Docker's restart policy or
// systemd's Restart= would run it: every caller gets its answer, and no
// request is ever met with a reset.

#include <catch2/catch.hpp>

#include <atomic>
#include <cerrno>
#include <thread>

#include <simdjson.h>

#include "ipc/blocking_client.hpp"
#include "tests/support/back_fixture.hpp"
#include "tests/support/binaries.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

// sha256("ops-token-for-tests"): an unrestricted token, which may bounce edge.
constexpr const char* kTokenHash = "7d01b7921eadef712a04daf72913cd3ef08e6a39e89beca227e7489ca7ba202a";
constexpr const char* kToken = "ops-token-for-tests";

const char* kSupervised = R"(
[services.web]
command = ["@helper", "sleep"]
[services.reship-back]
command = ["@back", "--config", "reship.toml", "--log-level", "debug"]
ready = "notify"
ready_timeout = "10s"
[scopes]
self = ["web", "reship-back"]
all = ["web", "reship-back", "edge"]
[back]
listen = @listen
state_dir = "state"
service = "reship-back"
[builds]
self = ["true"]
all = ["true"]
[[tokens]]
name = "ops"
sha256 = "@token"
scopes = ["self", "all"]
unrestricted = true
)";

std::string with_token(std::string config) {
  config.replace(config.find("@token"), 6, kTokenHash);
  return config;
}

// reship-supervisor as Docker's `restart: unless-stopped` runs it: started
// again after each exit 75 (an edge bounce); any other exit ends the loop.
// Each exit code goes to the file "exits".
class SupervisorLoop {
 public:
  explicit SupervisorLoop(BackFixture& f)
      : f_(f),
        process_({"sh", "-c",
                  "while :; do \"$SUPERVISOR\" --config \"$CONFIG\" --log-level debug; rc=$?; "
                  "echo \"$rc\" >> \"$DIR/exits\"; [ \"$rc\" -eq 75 ] || exit \"$rc\"; done"},
                 (f.dir().path() / "loop.log").string(),
                 {{"SUPERVISOR", kSupervisorBin}, {"CONFIG", f.config_path()}, {"DIR", f.dir().path().string()}}) {}

  /// The pid of the supervisor answering now, or 0.
  int supervisor_pid() {
    auto client = ipc::BlockingClient::connect(f_.supervisor().socket());
    if (!client) return 0;
    auto hello = client->request(ipc::encode_hello_request("h", "test"), "h", nullptr, common::Millis(2000));
    if (!hello) return 0;
    const auto* h = hello->as<ipc::HelloReply>();
    return h ? h->pid : 0;
  }
  std::string log() const { return read_file(f_.dir().path() / "loop.log"); }

 private:
  BackFixture& f_;
  ChildProcess process_;
};

RunResult run_reship(BackFixture& f, std::vector<std::string> args) {
  std::vector<std::string> argv{kCliBin, "--config", f.config_path(), "--token-file",
                                (f.dir().path() / "token").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, 120s);
}

std::string string_field(simdjson::dom::element e, const char* key) {
  std::string_view v;
  return e[key].get_string().get(v) ? std::string() : std::string(v);
}

}  // namespace

TEST_CASE("self-restart: 50 deploys bouncing the supervisor and 50 restarting reship-back, each through the CLI, "
          "each prints its outcome and exits 0",
          "[integration][slow]") {
  BackFixture f(with_token(kSupervised));
  f.dir().write("token", std::string(kToken) + "\n");
  SupervisorLoop loop(f);
  f.wait_back_ready(20s);
  for (int i = 0; i < 100; ++i) {
    const std::string scope = i % 2 == 0 ? "self" : "all";
    auto r = run_reship(f, {"deploy", "--scope", scope, "--reason", "round " + std::to_string(i)});
    const std::string log = loop.log();
    INFO("deploy " << i << " of scope " << scope << "\n--- stdout ---\n"
                   << r.out << "--- stderr ---\n"
                   << r.err << "--- supervisor ---\n"
                   << log.substr(log.size() > 6000 ? log.size() - 6000 : 0));
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.out, Catch::Contains(" succeeded in "));
  }
  // "75\n" per bounce (the last may come after its caller had the answer).
  CHECK(wait_until([&] { return read_file(f.dir().path() / "exits").size() == 50 * 3; }, 20s));

  // The last deploy bounced the supervisor: its record is completed by the
  // next instance, with the pids the services have now and the new
  // supervisor's.
  simdjson::dom::parser parser;
  std::string record;
  REQUIRE(wait_until(
      [&] {
        auto show = run_reship(f, {"show", "latest", "--json"});
        record = show.out;
        return show.exit_code == 0 && record.find("\"selfRestart\":\"done\"") != std::string::npos;
      },
      20s));
  INFO(record);
  auto ps = run_reship(f, {"ps", "--json"});
  REQUIRE(ps.exit_code == 0);
  auto status = parser.parse(ps.out);
  REQUIRE_FALSE(status.error());
  std::map<std::string, int64_t> now;
  for (auto s : status["services"].get_array()) {
    int64_t pid = 0;
    if (!s["pid"].get_int64().get(pid)) now[string_field(s, "name")] = pid;
  }
  now["edge"] = status["supervisor"]["pid"].get_int64().value();
  std::map<std::string, int64_t> recorded;
  auto doc = parser.parse(record);
  REQUIRE_FALSE(doc.error());
  CHECK(string_field(doc.value(), "scope") == "all");
  for (auto e : doc["restarts"].get_array()) {
    int64_t pid = 0;
    if (!e["pid"].get_int64().get(pid)) recorded[string_field(e, "service")] = pid;
  }
  CHECK(recorded == now);
}

TEST_CASE("self-restart: requests sent while reship-back restarts get their answer or 503 with Retry-After, "
          "never a reset",
          "[integration]") {
  BackFixture f(with_token(kSupervised), /*tcp=*/true);
  f.dir().write("token", std::string(kToken) + "\n");
  SupervisorLoop loop(f);
  f.wait_back_ready(20s);
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, retry_later{0}, refused{0}, reset{0}, other{0};
  std::string last_other;  // written by the thread, read after join
  std::string last_reset;
  // Ends the thread however the test ends (a failed REQUIRE throws).
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } hammer{stop, std::thread([&] {
             for (int i = 0; !stop; ++i) {
               // A handshake a stopping reship-back leaves unanswered is given
               // up on soon, as a client with a short connect timeout would.
               auto c = i % 2 == 0 ? TestClient::tcp(f.port(), 100ms) : f.client();
               if (!c.connected()) {
                 ++refused;  // not taken: the client knows it was not heard
                 continue;
               }
               const char* transport = i % 2 == 0 ? "tcp" : "unix";
               if (!c.send("GET /api/v1/deploys?limit=1 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
                           std::string(kToken) + "\r\n\r\n")) {
                 ++reset;
                 last_reset = std::string(transport) + ": the request could not be sent";
                 continue;
               }
               auto r = c.read_response(5s);
               if (!r) {
                 if (c.was_reset()) {
                   ++reset;
                   last_reset = std::string(transport) + ": reset while reading the answer";
                 } else {
                   ++other;
                   last_other = "no answer before the connection ended";
                 }
               } else if (r->status == 200) {
                 ++answered;
               } else if (r->status == 503 && r->header("retry-after") == "1") {
                 ++retry_later;
               } else {
                 ++other;
                 last_other = std::to_string(r->status) + " " + r->body;
               }
             }
           })};
  const std::string auth = "Authorization: Bearer " + std::string(kToken) + "\r\n";
  simdjson::dom::parser parser;
  for (int i = 0; i < 6; ++i) {
    const std::string scope = i % 2 == 0 ? "self" : "all";
    auto r = f.request("POST", "/api/v1/self/deploy", R"({"scope":")" + scope + R"("})", auth, 60s);
    INFO(r.body << loop.log());
    REQUIRE(r.status == 200);
    const std::string id = string_field(parser.parse(r.body).value(), "deployId");
    // The next instance is up once it has completed the record.
    REQUIRE(wait_until(
        [&] {
          auto c = f.client();
          if (!c.connected() || !c.send("GET /api/v1/deploys/" + id + " HTTP/1.1\r\nHost: t\r\n" + auth + "\r\n")) {
            return false;
          }
          auto got = c.read_response(5s);
          return got && got->body.find("\"selfRestart\":\"done\"") != std::string::npos;
        },
        30s));
  }
  stop = true;
  hammer.thread.join();
  WARN("requests across 6 self-restarts: " << answered << " answered, " << retry_later << " 503 Retry-After, "
                                           << refused << " not taken (refused or unanswered), " << reset << " reset (" << last_reset << "), "
                                           << other << " other (" << last_other << ")");
  CHECK(reset == 0);
  CHECK(other == 0);
  CHECK(answered > 0);
}

TEST_CASE("self-restart: with reship-back outside the supervisor ([back] service = \"\"), a deploy that bounces "
          "edge is completed by reship-back once the supervisor is back",
          "[integration]") {
  BackFixture f(with_token(R"(
[services.web]
command = ["@helper", "sleep"]
[services.api]
command = ["@helper", "sleep"]
[scopes]
all = ["web", "api", "edge"]
[back]
listen = @listen
state_dir = "state"
service = ""
[builds]
all = ["true"]
[[tokens]]
name = "ops"
sha256 = "@token"
scopes = ["all"]
unrestricted = true
)"));
  SupervisorLoop loop(f);
  REQUIRE(wait_until([&] { return loop.supervisor_pid() > 0; }, 10s));
  const int first = loop.supervisor_pid();
  f.start_back();  // as its own unit would run it
  const std::string auth = "Authorization: Bearer " + std::string(kToken) + "\r\n";
  auto answer = f.request("POST", "/api/v1/self/deploy", R"({"scope":"all"})", auth, 60s);
  INFO(answer.body << loop.log());
  REQUIRE(answer.status == 200);
  CHECK_THAT(answer.body, Catch::Contains("\"selfRestart\":\"pending\""));
  simdjson::dom::parser parser;
  const std::string id = string_field(parser.parse(answer.body).value(), "deployId");

  std::string record;
  REQUIRE(wait_until(
      [&] {
        record = f.request("GET", "/api/v1/deploys/" + id, "", auth).body;
        return record.find("\"selfRestart\":\"done\"") != std::string::npos;
      },
      30s));
  INFO(record);
  const int second = loop.supervisor_pid();
  CHECK(second != first);
  CHECK(f.back()->running());  // it saw the bounce through
  std::map<std::string, int64_t> recorded;
  auto doc = parser.parse(record);
  REQUIRE_FALSE(doc.error());
  for (auto e : doc["restarts"].get_array()) {
    int64_t pid = 0;
    if (!e["pid"].get_int64().get(pid)) recorded[string_field(e, "service")] = pid;
  }
  CHECK(recorded["edge"] == second);
  auto services = parser.parse(f.request("GET", "/api/v1/services", "", auth).body);
  REQUIRE_FALSE(services.error());
  for (auto s : services["services"].get_array()) {
    const std::string name = string_field(s, "name");
    INFO(name);
    CHECK(recorded[name] == s["pid"].get_int64().value());  // the pids after the bounce
  }
  // The queue goes on in this instance.
  auto again = f.request("POST", "/api/v1/self/deploy", R"({"scope":"all","mode":"build"})", auth, 30s);
  CHECK(again.status == 200);
}
