#include "common/config/config.hpp"

#include <csignal>

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.hpp"

using namespace reship::common;
using reship::test::TempDir;

namespace {

// A complete, valid config in the shape of contract section 1.
const char* kValid = R"(
[supervisor]
socket = "run/supervisor.sock"
socket_mode = "0600"
stop_timeout = "10s"
self_restart_exit_code = 75

[services.platform-front]
command = ["node", "dist/server.js"]
cwd = "apps/platform-front"
env = { PORT = "3001" }
ready = "http://127.0.0.1:3001/healthz"

[services.platform-back]
command = ["node", "dist/server.js"]
cwd = "apps/platform-back"
env = { PORT = "3002" }
restart = "on-failure"
ready = "tcp://127.0.0.1:3002"
ready_timeout = "20s"
stop_signal = "INT"
stop_timeout = "5s"
autostart = false

[services.reship-back]
command = ["reship-back", "--config", "reship.toml"]
ready = "notify"

[scopes]
platform = ["platform-front", "platform-back"]
all = ["platform-front", "platform-back", "reship-back", "edge"]

[back]
listen = ["127.0.0.1:7070", "unix:run/back.sock"]
state_dir = "state"
workdir = "."
service = "reship-back"
log_tail_bytes = 4096
build_timeout = "30m"
covers = { all = ["platform"] }

[builds]
platform = ["make", "platform"]
all = ["make", "all"]

[[tokens]]
name = "agent"
sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
scopes = ["platform", "all"]
unrestricted = false
)";

ConfigLoad load(const std::string& text) {
  return load_config_text(text, "/etc/reship/reship.toml");
}

// Loads `text` and returns its problems as "LINE: message" strings.
std::vector<std::string> problems(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& p : load(text).problems) out.push_back(std::to_string(p.line) + ": " + p.message);
  return out;
}

std::string only_problem(const std::string& text) {
  auto list = problems(text);
  INFO(Catch::Detail::stringify(list));
  REQUIRE(list.size() == 1);
  return list[0];
}

}  // namespace

TEST_CASE("config: a complete valid file loads with every value typed", "[unit]") {
  auto result = load(kValid);
  INFO(Catch::Detail::stringify(problems(kValid)));
  REQUIRE(result.config.has_value());
  const Config& c = *result.config;
  CHECK(c.dir == "/etc/reship");
  CHECK(c.supervisor.socket == "/etc/reship/run/supervisor.sock");
  CHECK(c.supervisor.socket_mode == 0600);
  CHECK(c.supervisor.stop_timeout == Millis(10'000));
  CHECK(c.supervisor.self_restart_exit_code == 75);

  REQUIRE(c.services.size() == 3);
  CHECK(c.services[0].name == "platform-front");  // file order, not key order
  CHECK(c.services[1].name == "platform-back");
  const ServiceConfig& back = c.services[1];
  CHECK(back.command == std::vector<std::string>{"node", "dist/server.js"});
  CHECK(back.cwd == "/etc/reship/apps/platform-back");
  CHECK(back.env == std::vector<std::pair<std::string, std::string>>{{"PORT", "3002"}});
  CHECK(back.restart == RestartPolicy::on_failure);
  CHECK(back.ready.kind == Readiness::Kind::tcp);
  CHECK(back.ready.host == "127.0.0.1");
  CHECK(back.ready.port == 3002);
  CHECK(back.ready_timeout == Millis(20'000));
  CHECK(back.stop_signal == SIGINT);
  CHECK(back.stop_timeout == Millis(5'000));
  CHECK_FALSE(back.autostart);
  const ServiceConfig& front = c.services[0];
  CHECK(front.ready.kind == Readiness::Kind::http);
  CHECK(front.ready.path == "/healthz");
  CHECK(c.services[2].ready.kind == Readiness::Kind::notify);

  CHECK(c.scopes.at("all").back() == "edge");
  REQUIRE(c.back.listen.size() == 2);
  CHECK(c.back.listen[0].host == "127.0.0.1");
  CHECK(c.back.listen[0].port == 7070);
  CHECK(c.back.listen[1].is_unix);
  CHECK(c.back.listen[1].path == "/etc/reship/run/back.sock");
  CHECK(c.back.state_dir == "/etc/reship/state");
  CHECK(c.back.workdir == "/etc/reship");
  CHECK(c.back.service == "reship-back");
  CHECK(c.back.log_tail_bytes == 4096);
  CHECK(c.back.build_timeout == Millis(1'800'000));
  CHECK(c.back.covers.at("all") == std::vector<std::string>{"platform"});
  CHECK(c.builds.at("platform") == std::vector<std::string>{"make", "platform"});
  REQUIRE(c.tokens.size() == 1);
  CHECK(c.tokens[0].name == "agent");
  CHECK(c.tokens[0].sha256[0] == 0x9f);
  CHECK(c.tokens[0].sha256[31] == 0x08);
}

TEST_CASE("config: defaults apply where keys are left out", "[unit]") {
  auto result = load("[services.web]\ncommand = [\"web\"]\n");
  REQUIRE(result.config.has_value());
  const Config& c = *result.config;
  CHECK(c.supervisor.socket == "/etc/reship/run/supervisor.sock");
  CHECK(c.supervisor.socket_mode == 0600);
  CHECK(c.supervisor.self_restart_exit_code == 75);
  const ServiceConfig& web = c.services.at(0);
  CHECK(web.restart == RestartPolicy::always);
  CHECK(web.ready.kind == Readiness::Kind::none);
  CHECK(web.ready_timeout == Millis(30'000));
  CHECK(web.stop_signal == SIGTERM);
  CHECK(web.stop_timeout == Millis(10'000));
  CHECK(web.autostart);
  CHECK(web.cwd == "/etc/reship");
  REQUIRE(c.back.listen.size() == 1);
  CHECK(c.back.listen[0].text == "127.0.0.1:7070");
  CHECK(c.back.state_dir == "/etc/reship/state");
  CHECK(c.back.log_tail_bytes == 8192);
  CHECK(c.back.build_timeout == Millis(30 * 60'000));
}

TEST_CASE("config: back.service = \"\" says reship-back is not supervised", "[unit]") {
  // The arrangement of docs/operations.md where systemd runs reship-back as
  // a unit of its own.
  auto result = load("[services.web]\ncommand = [\"web\"]\n[scopes]\nall = [\"web\", \"edge\"]\n[back]\nservice = \"\"\n");
  INFO(Catch::Detail::stringify(problems("[back]\nservice = \"\"\n")));
  REQUIRE(result.config.has_value());
  CHECK(result.config->back.service.empty());
}

TEST_CASE("config: a service's stop_timeout defaults to the supervisor's", "[unit]") {
  auto result = load("[supervisor]\nstop_timeout = \"3s\"\n[services.web]\ncommand = [\"web\"]\n");
  REQUIRE(result.config.has_value());
  CHECK(result.config->services[0].stop_timeout == Millis(3'000));
}

TEST_CASE("config: absolute paths stay, relative ones resolve against the file's folder", "[unit]") {
  auto result = load("[supervisor]\nsocket = \"/run/x.sock\"\n[back]\nstate_dir = \"../var/state\"\n");
  REQUIRE(result.config.has_value());
  CHECK(result.config->supervisor.socket == "/run/x.sock");
  CHECK(result.config->back.state_dir == "/etc/var/state");
}

TEST_CASE("config: an unknown key is an error with its line and a suggestion", "[unit]") {
  CHECK(only_problem("[services.web]\ncomand = [\"web\"]\ncommand = [\"web\"]\n") ==
        "2: unknown key \"comand\" in [services.web]; did you mean \"command\"?");
  CHECK(only_problem("\n[superviser]\n") == "2: unknown section \"superviser\"; did you mean \"supervisor\"?");
  CHECK_THAT(only_problem("[back]\nzzz = 1\n"), Catch::StartsWith("2: unknown key \"zzz\" in [back] (known: listen"));
}

TEST_CASE("config: wrong types are errors", "[unit]") {
  CHECK(only_problem("[services.web]\ncommand = \"web --port 1\"\n") ==
        "2: services.web.command must be an array of strings");
  CHECK(only_problem("[services.web]\ncommand = [\"web\"]\nautostart = \"yes\"\n") ==
        "3: services.web.autostart must be true or false");
  CHECK(only_problem("[services.web]\ncommand = [\"web\"]\nenv = { PORT = 3002 }\n") ==
        "3: services.web.env.PORT must be a string (quote it)");
  CHECK(only_problem("[supervisor]\nself_restart_exit_code = \"75\"\n") ==
        "2: supervisor.self_restart_exit_code must be an integer");
  CHECK(only_problem("[supervisor]\nself_restart_exit_code = 300\n") ==
        "2: supervisor.self_restart_exit_code must be between 1 and 255 (got 300)");
  CHECK(only_problem("[services.web]\ncommand = []\n") == "2: services.web.command must not be empty");
}

TEST_CASE("config: bad durations are errors naming the units", "[unit]") {
  CHECK_THAT(only_problem("[supervisor]\nstop_timeout = \"10\"\n"),
             Catch::StartsWith("2: supervisor.stop_timeout: bad duration \"10\": missing unit"));
  CHECK_THAT(only_problem("[services.web]\ncommand = [\"web\"]\nready_timeout = \"3 days\"\n"),
             Catch::StartsWith("3: services.web.ready_timeout: bad duration"));
  CHECK(only_problem("[supervisor]\nstop_timeout = 10\n") ==
        "2: supervisor.stop_timeout must be a duration string such as \"10s\"");
  CHECK(only_problem("[back]\nbuild_timeout = \"0s\"\n") == "2: back.build_timeout must be longer than 0");
}

TEST_CASE("config: a scope naming an unknown service is an error", "[unit]") {
  CHECK(only_problem("[services.web]\ncommand = [\"web\"]\n[scopes]\nplatform = [\"web\", \"api\"]\n") ==
        "4: scopes.platform names unknown service \"api\" (services: web)");
  // edge is always a valid member.
  CHECK(problems("[services.web]\ncommand = [\"web\"]\n[scopes]\nall = [\"web\", \"edge\"]\n").empty());
}

TEST_CASE("config: edge cannot be a service name", "[unit]") {
  CHECK_THAT(only_problem("[services.edge]\ncommand = [\"x\"]\n"), Catch::StartsWith("1: \"edge\" is reserved"));
}

TEST_CASE("config: a build for an unknown scope is an error", "[unit]") {
  CHECK(only_problem(
            "[services.web]\ncommand = [\"web\"]\n[scopes]\nplatform = [\"web\"]\n[builds]\nal = [\"make\"]\n") ==
        "6: build for unknown scope \"al\" (scopes: platform)");
}

TEST_CASE("config: a token without a hash, or with a bad one, is an error", "[unit]") {
  const std::string scopes = "[services.web]\ncommand = [\"web\"]\n[scopes]\np = [\"web\"]\n";
  CHECK_THAT(only_problem(scopes + "[[tokens]]\nname = \"agent\"\nscopes = [\"p\"]\n"),
             Catch::Contains("token \"agent\" has no sha256"));
  CHECK_THAT(only_problem(scopes + "[[tokens]]\nname = \"agent\"\nsha256 = \"abc\"\nscopes = [\"p\"]\n"),
             Catch::Contains("sha256 must be 64 hex digits"));
  // A plaintext token is refused with advice, not taken as a typo.
  auto list = problems(scopes + "[[tokens]]\nname = \"agent\"\ntoken = \"secret\"\nscopes = [\"p\"]\n");
  REQUIRE(list.size() == 2);
  CHECK_THAT(list[0], Catch::Contains("has no sha256"));
  CHECK_THAT(list[1], Catch::Contains("store only the token's hash"));
}

TEST_CASE("config: tokens need a name and known scopes", "[unit]") {
  const std::string base = "[services.web]\ncommand = [\"web\"]\n[scopes]\np = [\"web\"]\n";
  const std::string hash = "sha256 = \"" + std::string(64, 'a') + "\"\n";
  CHECK_THAT(only_problem(base + "[[tokens]]\n" + hash + "scopes = [\"p\"]\n"), Catch::Contains("needs a name"));
  CHECK_THAT(only_problem(base + "[[tokens]]\nname = \"a\"\n" + hash + "scopes = [\"q\"]\n"),
             Catch::Contains("names unknown scope \"q\""));
  CHECK_THAT(only_problem(base + "[[tokens]]\nname = \"a\"\n" + hash), Catch::Contains("has no scopes"));
}

TEST_CASE("config: enumerations and addresses are checked", "[unit]") {
  const std::string svc = "[services.web]\ncommand = [\"web\"]\n";
  CHECK_THAT(only_problem(svc + "restart = \"sometimes\"\n"),
             Catch::Contains("\"always\", \"on-failure\" or \"never\""));
  CHECK_THAT(only_problem(svc + "ready = \"tcp://nohost\"\n"), Catch::Contains("is not one of: none, notify"));
  CHECK_THAT(only_problem(svc + "ready = \"ftp://x:1\"\n"), Catch::Contains("is not one of"));
  CHECK_THAT(only_problem(svc + "stop_signal = \"TERMINATE\"\n"), Catch::Contains("is not a signal name"));
  CHECK_THAT(only_problem("[back]\nlisten = [\"7070\"]\n"), Catch::Contains("must be HOST:PORT"));
  CHECK_THAT(only_problem("[supervisor]\nsocket_mode = \"0999\"\n"), Catch::Contains("octal file mode"));
  CHECK(problems("[supervisor]\nsocket_mode = 0o660\n").empty());
  CHECK(problems(svc + "stop_signal = \"SIGQUIT\"\n").empty());
  CHECK_THAT(only_problem("[back]\nservice = \"nope\"\n"), Catch::Contains("back.service names unknown service"));
  CHECK_THAT(only_problem("[back]\ncovers = { all = [\"platform\"] }\n"), Catch::Contains("unknown scope \"all\""));
}

TEST_CASE("config: every problem is reported, not just the first", "[unit]") {
  const std::string text = R"([supervisor]
stop_timeout = "10"
[services.edge]
command = ["x"]
[services.web]
comand = ["web"]
[scopes]
platform = ["api"]
[builds]
deploy = ["make"]
)";
  auto list = problems(text);
  REQUIRE(list.size() == 6);
  CHECK_THAT(list[0], Catch::StartsWith("2: "));
  CHECK_THAT(list[1], Catch::StartsWith("3: \"edge\" is reserved"));
  CHECK_THAT(list[2], Catch::StartsWith("5: [services.web] needs a command"));
  CHECK_THAT(list[3], Catch::StartsWith("6: unknown key \"comand\""));
  CHECK_THAT(list[4], Catch::StartsWith("8: scopes.platform names unknown service \"api\""));
  CHECK_THAT(list[5], Catch::StartsWith("10: build for unknown scope \"deploy\""));
}

TEST_CASE("config: a TOML syntax error names its line", "[unit]") {
  auto list = problems("[services.web]\ncommand = [\"web\"\n");
  REQUIRE(list.size() == 1);
  CHECK_THAT(list[0], Catch::Contains("TOML syntax error"));
}

TEST_CASE("config: a missing file says how to point at one", "[unit]") {
  TempDir dir;
  auto result = load_config(dir / "absent.toml");
  REQUIRE(result.problems.size() == 1);
  CHECK_THAT(result.problems[0].to_string(), Catch::EndsWith("no such file (pass --config PATH or set RESHIP_CONFIG)"));
}

TEST_CASE("config: a file on disk resolves paths against its own folder", "[unit]") {
  TempDir dir;
  auto file = dir.write("conf/reship.toml", "[back]\nstate_dir = \"st\"\n");
  auto result = load_config(file);
  REQUIRE(result.config.has_value());
  CHECK(result.config->back.state_dir == dir.path() / "conf/st");
  CHECK(result.problems.empty());
}

TEST_CASE("config: problems print as PATH:LINE: message", "[unit]") {
  ConfigProblem p{"reship.toml", 7, "something is wrong"};
  CHECK(p.to_string() == "reship.toml:7: something is wrong");
}

TEST_CASE("config: loopback and unix listen addresses are local", "[unit]") {
  auto result =
      load("[back]\nlisten = [\"127.0.0.1:1\", \"[::1]:2\", \"unix:/x.sock\", \"0.0.0.0:3\", \"10.0.0.1:4\"]\n");
  REQUIRE(result.config.has_value());
  const auto& l = result.config->back.listen;
  CHECK(l[0].is_local());
  CHECK(l[1].is_local());
  CHECK(l[1].host == "::1");
  CHECK(l[2].is_local());
  CHECK_FALSE(l[3].is_local());
  CHECK_FALSE(l[4].is_local());
}

TEST_CASE("config: signal names convert both ways", "[unit]") {
  CHECK(signal_from_name("TERM") == SIGTERM);
  CHECK(signal_from_name("SIGKILL") == SIGKILL);
  CHECK(signal_from_name("NOPE") == 0);
  CHECK(signal_name(SIGTERM) == "TERM");
  CHECK(signal_name(SIGKILL) == "KILL");
}

TEST_CASE("config: the TOML library sees only ASCII, the values keep their characters", "[unit]") {
  // Characters other than ASCII where TOML allows none: a clear error (the
  // library would have reached an unreachable branch on some of them).
  CHECK(only_problem("[\xEF\xB3\xBF]\n") ==
        "1: TOML syntax error: U+FCFF outside a string or comment: TOML allows characters other than ASCII only "
        "inside quotes or after #");
  CHECK_THAT(only_problem("[supervisor]\nsocket = \"a\" \xC3\xA9\n"),
             Catch::StartsWith("2: TOML syntax error: U+00E9 outside"));
  CHECK_THAT(only_problem("x = 1\n\xFF\n"), Catch::Contains("2: TOML syntax error: a byte that is not UTF-8 outside"));
  CHECK_THAT(only_problem("[supervisor]\nsocket = \"\"\"a\n\\\xC3\xA9\"\"\"\n"),
             Catch::StartsWith("3: TOML syntax error: \\ followed by U+00E9 is not an escape"));
  // Invalid TOML around such characters is an ordinary syntax error (found
  // by fuzzing: the library looked into this string while failing on '+').
  CHECK_THAT(only_problem("[supervisor]\nstop_timeout =+\"\xC8\x97\xCD\x92s\"\n"),
             Catch::StartsWith("2: TOML syntax error"));
  // Where TOML allows them, they load as written: comments, basic and
  // literal strings, single and multi-line, keys, after a line-ending backslash.
  const std::string text =
      "# caf\xC3\xA9 \xEF\xB3\xBF\n[supervisor]\nsocket = \"/run/caf\xC3\xA9.sock\"\n"
      "[services.web]\ncommand = ['''\xC3\xA9\\\"''', \"\"\"\\\"\"\"\xC3\xA9\"\"\", \"\\\\\xC3\xA9\", '\xC3\xA9\\',\n"
      "  \"\"\"a \\\n   \xE3\x80\x80"
      "b\"\"\", '''\n\xF0\x9F\x9A\x80'''']\n"
      "[services.web.env]\n\"cl\xC3\xA9\" = \"v\xC3\xA9\"\n";
  auto ok = load(text);
  INFO(Catch::Detail::stringify(problems(text)));
  REQUIRE(ok.config.has_value());
  CHECK(ok.config->supervisor.socket == "/run/caf\xC3\xA9.sock");
  REQUIRE(ok.config->services.size() == 1);
  CHECK(ok.config->services[0].command == std::vector<std::string>{"\xC3\xA9\\\"", "\"\"\"\xC3\xA9", "\\\xC3\xA9",
                                                                   "\xC3\xA9\\",
                                                                   "a \xE3\x80\x80"
                                                                   "b",
                                                                   "\xF0\x9F\x9A\x80'"});
  CHECK(ok.config->services[0].env == std::vector<std::pair<std::string, std::string>>{{"cl\xC3\xA9", "v\xC3\xA9"}});
}

TEST_CASE("config: [lanes] puts every scope in one lane, and says where one is in two or none", "[unit]") {
  const std::string base =
      "[services.web]\ncommand = [\"web\"]\n[services.shop]\ncommand = [\"shop\"]\n"
      "[scopes]\nplatform = [\"web\"]\nshop = [\"shop\"]\nall = [\"web\", \"shop\"]\n";
  CHECK(only_problem(base + "[lanes]\nplatform = [\"platform\", \"all\"]\nshop = [\"shop\", \"all\"]\n") ==
        "11: scope \"all\" is in two lanes, platform and shop; a scope's deploys queue in one lane");
  CHECK(only_problem(base + "[lanes]\nplatform = [\"platform\", \"all\"]\n") ==
        "9: scope \"shop\" is in no lane; with [lanes], every scope needs one (lanes: platform)");
  CHECK_THAT(only_problem(base + "[lanes]\nplatform = [\"platform\", \"nope\"]\nshop = [\"shop\", \"all\"]\n"),
             Catch::StartsWith("10: lanes.platform names unknown scope \"nope\""));
  CHECK(only_problem(base + "[back]\nmax_parallel_builds = 0\n") ==
        "10: back.max_parallel_builds must be between 1 and 1024 (got 0)");
}

TEST_CASE("config: a service's listen sockets and restart_mode", "[unit]") {
  const std::string svc = "[services.web]\ncommand = [\"web\"]\n";
  auto loaded = load(svc + "listen = [\"tcp://127.0.0.1:3002\", \"tcp://[::1]:0\", \"unix:run/web.sock\", "
                           "\"tcp://localhost:3003\"]\nrestart_mode = \"overlap\"\nready = \"notify\"\n");
  INFO(Catch::Detail::stringify(problems(svc)));
  REQUIRE(loaded.config);
  const auto& web = loaded.config->services.at(0);
  REQUIRE(web.listen.size() == 4);
  CHECK((web.listen[0].host == "127.0.0.1" && web.listen[0].port == 3002 && !web.listen[0].is_unix));
  CHECK((web.listen[1].host == "::1" && web.listen[1].port == 0));
  CHECK((web.listen[2].is_unix && web.listen[2].path == "/etc/reship/run/web.sock"));
  CHECK(web.listen[3].host == "127.0.0.1");  // bound without a resolver
  CHECK(web.restart_mode == RestartMode::overlap);

  auto plain = load(svc);
  REQUIRE(plain.config);
  CHECK(plain.config->services.at(0).listen.empty());
  CHECK(plain.config->services.at(0).restart_mode == RestartMode::stop_first);

  CHECK_THAT(only_problem(svc + "listen = [\"127.0.0.1:3002\"]\n"), Catch::Contains("is not tcp://HOST:PORT or unix:PATH"));
  CHECK_THAT(only_problem(svc + "listen = [\"tcp://example.com:80\"]\n"), Catch::Contains("HOST: an IP address"));
  CHECK_THAT(only_problem(svc + "listen = [\"tcp://127.0.0.1:99999\"]\n"), Catch::Contains("is not tcp://"));
  CHECK_THAT(only_problem(svc + "listen = [\"unix:\"]\n"), Catch::Contains("is not tcp://"));
  CHECK_THAT(only_problem(svc + "listen = [\"unix:/" + std::string(120, 'x') + "\"]\n"), Catch::Contains("under 108 bytes"));
  CHECK_THAT(only_problem(svc + "listen = [\"tcp://127.0.0.1:1\", \"tcp://127.0.0.1:1\"]\n"), Catch::Contains("twice"));
  CHECK_THAT(only_problem(svc + "restart_mode = \"blue-green\"\n"), Catch::Contains("\"stop-first\" or \"overlap\""));
  // During an overlap the old process answers a probe of the shared port.
  CHECK_THAT(only_problem(svc + "listen = [\"tcp://127.0.0.1:3002\"]\nready = \"http://127.0.0.1:3002/\"\n"
                                "restart_mode = \"overlap\"\n"),
             Catch::Contains("use ready = \"notify\""));
  CHECK_THAT(only_problem(svc + "restart_mode = \"overlap\"\n"), Catch::Contains("needs a ready check"));
  CHECK(problems(svc + "listen = [\"tcp://127.0.0.1:3002\"]\nready = \"http://127.0.0.1:4000/\"\n"
                       "restart_mode = \"overlap\"\n")
            .empty());
  CHECK_THAT(only_problem(svc + "listen = [\"unix:a.sock\"]\n[services.api]\ncommand = [\"api\"]\n"
                                "listen = [\"unix:./a.sock\"]\n"),
             Catch::Contains("is already the socket of services.web"));
}
