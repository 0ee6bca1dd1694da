// The pieces of /mcp that need no daemon: reading JSON-RPC messages, pages
// of a log, the Origin rule, and Idempotency-Keys kept in SQLite.

#include <catch2/catch.hpp>

#include <simdjson.h>

#include "back/engine/deploy_service.hpp"
#include "back/engine/idempotency_keys.hpp"
#include "back/mcp/json_rpc.hpp"
#include "back/mcp/log_pages.hpp"
#include "back/api/origin.hpp"
#include "back/store/deploy_store.hpp"
#include "back/store/log_store.hpp"
#include "common/time.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship;
using namespace reship::mcp;
using reship::test::TempDir;

namespace {

RpcMessage message(std::string_view body) {
  auto parsed = parse_rpc_message(body);
  INFO(body);
  REQUIRE(std::holds_alternative<RpcMessage>(parsed));
  return std::get<RpcMessage>(parsed);
}

RpcError error(std::string_view body) {
  auto parsed = parse_rpc_message(body);
  INFO(body);
  REQUIRE(std::holds_alternative<RpcError>(parsed));
  return std::get<RpcError>(parsed);
}

}  // namespace

TEST_CASE("json-rpc: requests, notifications and responses, with ids sent back as they came", "[unit]") {
  auto r = message(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"deploy"}})");
  CHECK(r.kind == RpcMessage::Kind::request);
  CHECK(r.method == "tools/call");
  CHECK(r.id == "7");
  CHECK(r.params == R"({"name":"deploy"})");
  auto s = message(R"({"jsonrpc":"2.0","id":"a-1","method":"ping"})");
  CHECK(s.id == "\"a-1\"");
  CHECK(s.params == "{}");
  CHECK(message(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").kind ==
        RpcMessage::Kind::notification);
  CHECK(message(R"({"jsonrpc":"2.0","id":3,"result":{}})").kind == RpcMessage::Kind::response);

  CHECK(rpc_result("\"a-1\"", "{}") == R"({"jsonrpc":"2.0","id":"a-1","result":{}})");
  CHECK(rpc_error("7", -32601, "no \"x\"") ==
        R"({"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"no \"x\""}})");
}

TEST_CASE("json-rpc: what is not a message gets the JSON-RPC error code that says why", "[unit]") {
  CHECK(error("{").code == rpc_code::parse_error);
  CHECK(error("{").id == "null");
  CHECK(error(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])").code == rpc_code::invalid_request);
  CHECK(error("42").code == rpc_code::invalid_request);
  auto version = error(R"({"jsonrpc":"1.0","id":5,"method":"ping"})");
  CHECK(version.code == rpc_code::invalid_request);
  CHECK(version.id == "5");
  CHECK(error(R"({"jsonrpc":"2.0","id":null,"method":"ping"})").code == rpc_code::invalid_request);
  CHECK(error(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})").code == rpc_code::invalid_request);
  CHECK(error(R"({"jsonrpc":"2.0","id":1,"method":3})").code == rpc_code::invalid_request);
  CHECK(error(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[1]})").code == rpc_code::invalid_params);
  CHECK(error(R"({"jsonrpc":"2.0","id":1})").code == rpc_code::invalid_request);
}

using reship::api::origin_problem;
using reship::api::same_origin;

TEST_CASE("origin: a page of the server's own origin passes, any other is foreign", "[unit]") {
  CHECK(same_origin("http://127.0.0.1:7070", "127.0.0.1:7070"));
  CHECK(same_origin("http://LOCALHOST:7070", "localhost:7070"));
  CHECK(same_origin("http://reship.internal", "reship.internal:80"));
  CHECK(same_origin("https://reship.internal:443", "reship.internal"));
  CHECK_FALSE(same_origin("http://attacker.example", "127.0.0.1:7070"));
  CHECK_FALSE(same_origin("http://127.0.0.1:7071", "127.0.0.1:7070"));
  CHECK_FALSE(same_origin("null", "127.0.0.1:7070"));
  CHECK_FALSE(same_origin("http://127.0.0.1:7070.attacker.example", "127.0.0.1:7070"));

  // Clients that are not browsers send no Origin.
  CHECK_FALSE(origin_problem(std::nullopt, "attacker.example", true));
  CHECK_FALSE(origin_problem("http://127.0.0.1:7070", "127.0.0.1:7070", true));
  CHECK_FALSE(origin_problem("http://localhost:7070", "localhost:7070", true));
  CHECK_FALSE(origin_problem("http://[::1]:7070", "[::1]:7070", true));
  // DNS rebinding: the attacker's name, pointed at 127.0.0.1, is its own
  // origin; without tokens, only loopback names may come from a page.
  CHECK(origin_problem("http://rebind.attacker.example:7070", "rebind.attacker.example:7070", true));
  CHECK(origin_problem("http://127.0.0.1.attacker.example", "127.0.0.1.attacker.example", true));
  CHECK_FALSE(origin_problem("https://reship.internal", "reship.internal", false));
  CHECK(origin_problem("http://attacker.example", "reship.internal", false));
}

TEST_CASE("log pages: numbered lines within the budget, grep and tail, and where to go on", "[unit]") {
  TempDir dir;
  back::LogStore store(dir.path(), 10);
  REQUIRE(store.prepare().ok());
  auto writer = store.create("d-1");
  REQUIRE(writer.ok());
  auto& w = **writer;
  w.begin(back::LogStream::out, 1000);
  for (int i = 1; i <= 1000; ++i) w.add("line " + std::to_string(i) + (i == 500 ? " Error: here" : ""));
  w.end();
  w.begin(back::LogStream::err, 2000);
  w.add(std::string(10'000, 'z'));  // one long line
  w.end();

  auto first = read_log_page(store, "d-1", {.offset = 0, .limit = 3, .grep = "", .tail = 0});
  REQUIRE(first.lines.size() == 3);
  CHECK(first.lines[0].number == 1);
  CHECK(first.lines[2].text == "line 3");
  CHECK(first.more);
  auto second = read_log_page(store, "d-1", {.offset = first.next_offset, .limit = 2, .grep = "", .tail = 0});
  CHECK(second.lines[0].number == 4);
  CHECK(second.lines[0].text == "line 4");

  // The budget ends a page before its limit, never in the middle of a line.
  auto wide = read_log_page(store, "d-1", {.offset = 0, .limit = 2000, .grep = "", .tail = 0});
  size_t text = 0;
  for (const auto& l : wide.lines) text += l.text.size();
  CHECK(text <= kPageTextBudget);
  CHECK(wide.lines.back().number == static_cast<int64_t>(wide.lines.size()));

  auto grep = read_log_page(store, "d-1", {.offset = 0, .limit = 50, .grep = "error:|LINE 999", .tail = 0});
  REQUIRE(grep.lines.size() == 2);
  CHECK(grep.lines[0].number == 500);
  CHECK(grep.lines[1].number == 999);
  CHECK_FALSE(grep.more);

  auto tail = read_log_page(store, "d-1", {.offset = 0, .limit = 200, .grep = "", .tail = 2});
  REQUIRE(tail.lines.size() == 2);
  CHECK(tail.lines[0].text == "line 1000");
  CHECK(tail.lines[1].number == 1001);
  CHECK(tail.lines[1].stream == back::LogStream::err);
  CHECK(tail.lines[1].text.size() < kMaxLineBytes + 40);
  CHECK_THAT(tail.lines[1].text, Catch::EndsWith("[8000 more bytes]"));

  // No log yet (a queued deploy): an empty page, not an error.
  auto none = read_log_page(store, "d-2", {});
  CHECK(none.lines.empty());
  CHECK_FALSE(none.more);
}

TEST_CASE("log pages: a cut line keeps whole UTF-8 characters", "[unit]") {
  const std::string text = "ab\xC3\xA9\xC3\xA9";  // "abéé"
  CHECK(cut_line(text, 3) == "ab… [4 more bytes]");
  CHECK(cut_line(text, 4) == "ab\xC3\xA9… [2 more bytes]");
  CHECK(cut_line(text, 6) == text);
}

TEST_CASE("idempotency keys: per caller, kept in the database, the same request only", "[unit]") {
  TempDir dir;
  back::DeployRequest request;
  request.scope = "platform";
  request.reason = "ship";
  const int64_t now = common::unix_ms();
  {
    auto store = back::DeployStore::open(dir.path() / "deploys.db");
    REQUIRE(store.ok());
    back::IdempotencyKeys keys(**store);
    CHECK(keys.find("alice", "k", now) == nullptr);
    keys.remember("alice", "k", back::IdempotencyKeys::fingerprint(request), "d-1", now);
    REQUIRE(keys.find("alice", "k", now) != nullptr);
    CHECK(keys.find("bob", "k", now) == nullptr);  // another caller's key space
    keys.repoint("d-1", "d-2");
    CHECK(keys.find("alice", "k", now)->deploy_id == "d-2");
  }
  auto store = back::DeployStore::open(dir.path() / "deploys.db");
  REQUIRE(store.ok());
  back::IdempotencyKeys keys(**store);  // a restart: read back
  const auto* entry = keys.find("alice", "k", now);
  REQUIRE(entry != nullptr);
  CHECK(entry->deploy_id == "d-2");
  CHECK(entry->fingerprint == back::IdempotencyKeys::fingerprint(request));
  auto other = request;
  other.reason = "another";
  CHECK(entry->fingerprint != back::IdempotencyKeys::fingerprint(other));
  // Gone after 24 hours.
  CHECK(keys.find("alice", "k", now + back::IdempotencyKeys::kKeepMs + 1) == nullptr);

  CHECK_FALSE(back::idempotency_key_problem("550e8400-e29b-41d4-a716-446655440000"));
  CHECK(back::idempotency_key_problem(""));
  CHECK(back::idempotency_key_problem(std::string(256, 'k')));
  CHECK(back::idempotency_key_problem("a\nb"));
}
