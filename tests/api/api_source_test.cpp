// What was deployed: a deploy in a git work tree records its commit,
// branch and changes (source) and the files changed since the scope's last
// succeeded deploy (sinceLastGood); the list filters by commit; reship show
// prints them. A workdir that is not a work tree records no source.

#include <catch2/catch.hpp>

#include <simdjson.h>

#include <fstream>

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
[back]
listen = @listen
state_dir = "state"
workdir = "repo"
[builds]
platform = ["sh", "-c", "echo built"]
)";

std::string str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v)) return "";
  return std::string(v);
}

// Runs git in `repo`; fails the test when it fails.
std::string git(const std::filesystem::path& repo, std::vector<std::string> args) {
  std::vector<std::string> argv{"git", "-C", repo.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv, 30s);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

void write(const std::filesystem::path& file, const std::string& text) { std::ofstream(file) << text; }

// A repository with one commit on branch main.
void make_repo(const std::filesystem::path& repo) {
  std::filesystem::create_directories(repo);
  git(repo, {"init", "-q", "-b", "main"});
  git(repo, {"config", "user.email", "test@example.invalid"});
  git(repo, {"config", "user.name", "test"});
  write(repo / "a.txt", "a\n");
  git(repo, {"add", "a.txt"});
  git(repo, {"commit", "-q", "-m", "first commit"});
}

RunResult run_reship(BackFixture& f, std::vector<std::string> args) {
  std::vector<std::string> argv{kCliBin, "--config", f.config_path(), "--url", "unix:" + f.back_socket()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, 60s);
}

}  // namespace

TEST_CASE("api source: a deploy records its commit and the files changed since the last good one", "[integration]") {
  BackFixture f(kConfig);
  const auto repo = f.dir().path() / "repo";
  make_repo(repo);
  const std::string first = git(repo, {"rev-parse", "HEAD"});
  f.start_back();
  simdjson::dom::parser parser;

  auto one = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  INFO(one.body);
  REQUIRE(one.status == 200);
  auto doc = parser.parse(one.body).value();
  auto source = doc["source"].value();
  CHECK(str(source, "commit") == first);
  CHECK(str(source, "branch") == "main");
  CHECK(source["dirty"].get_bool().value() == false);
  CHECK(source["changedFiles"].get_int64().value() == 0);
  CHECK(str(source, "message") == "first commit");
  CHECK(doc["sinceLastGood"].error() == simdjson::NO_SUCH_FIELD);  // nothing succeeded before

  // Two files committed, one changed and one new in the work tree.
  write(repo / "b.txt", "b\n");
  write(repo / "c.txt", "c\n");
  git(repo, {"add", "b.txt", "c.txt"});
  git(repo, {"commit", "-q", "-m", "second commit"});
  const std::string second = git(repo, {"rev-parse", "HEAD"});
  write(repo / "a.txt", "a changed\n");
  write(repo / "d.txt", "d\n");

  auto two = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  INFO(two.body);
  REQUIRE(two.status == 200);
  doc = parser.parse(two.body).value();
  const std::string two_id = str(doc, "deployId");
  source = doc["source"].value();
  CHECK(str(source, "commit") == second);
  CHECK(source["dirty"].get_bool().value());
  CHECK(source["changedFiles"].get_int64().value() == 2);
  auto since = doc["sinceLastGood"].value();
  CHECK(str(since, "commit") == first);
  std::vector<std::string> files;
  simdjson::dom::array file_list = since["files"].get_array().value();
  for (auto file : file_list) files.emplace_back(file.get_string().value());
  CHECK(files == std::vector<std::string>{"b.txt", "c.txt", "a.txt", "d.txt"});
  CHECK(since["count"].get_int64().value() == 4);

  // Kept in the record as stored, and the list filters by a commit prefix.
  auto stored = f.request("GET", "/api/v1/deploys/" + two_id);
  CHECK_THAT(stored.body, Catch::Contains("\"commit\":\"" + second + "\""));
  auto by_commit = f.request("GET", "/api/v1/deploys?commit=" + second.substr(0, 8));
  INFO(by_commit.body);
  CHECK(by_commit.status == 200);
  auto listed = parser.parse(by_commit.body).value()["deploys"].get_array().value();
  REQUIRE(listed.size() == 1);
  CHECK(str(listed.at(0).value(), "deployId") == two_id);
  CHECK(f.request("GET", "/api/v1/deploys?commit=" + first.substr(0, 8)).body.find(two_id) == std::string::npos);
  CHECK(f.request("GET", "/api/v1/deploys?commit=xyz1").status == 400);

  auto shown = run_reship(f, {"show", two_id});
  INFO(shown.out << shown.err);
  CHECK(shown.exit_code == 0);
  CHECK_THAT(shown.out, Catch::Contains("source        " + second.substr(0, 12) + " on main, 2 changed files: second commit"));
  CHECK_THAT(shown.out, Catch::Contains("since good    " + first.substr(0, 12) + ": 4 files changed"));
  CHECK_THAT(shown.out, Catch::Contains("  d.txt\n"));
  auto list = run_reship(f, {"deploys", "--commit", second.substr(0, 7)});
  INFO(list.out << list.err);
  CHECK_THAT(list.out, Catch::Contains(two_id));
}

TEST_CASE("api source: a workdir that is not a git work tree records no source", "[integration]") {
  BackFixture f(kConfig);
  std::filesystem::create_directories(f.dir().path() / "repo");
  f.start_back();
  auto r = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  INFO(r.body);
  CHECK(r.status == 200);
  CHECK(r.body.find("\"source\"") == std::string::npos);
  CHECK(r.body.find("\"sinceLastGood\"") == std::string::npos);
}
