#include <catch2/catch.hpp>

#include "ipc/messages.hpp"

using namespace reship::ipc;

namespace {

Reply round_trip(const ReplyBody& body, std::optional<std::string> id = "7") {
  simdjson::dom::parser parser;
  const std::string line = encode_reply(id, body);
  REQUIRE(line.back() == '\n');
  auto reply = decode_reply(parser, line.substr(0, line.size() - 1));
  INFO(line);
  REQUIRE(reply.has_value());
  CHECK(reply->id == id);
  return *reply;
}

std::variant<Request, RequestError> decode(const std::string& line) {
  simdjson::dom::parser parser;
  return decode_request(parser, line);
}

}  // namespace

TEST_CASE("ipc messages: restart.done matches contract 2.2 and round-trips", "[unit]") {
  RestartDone done;
  done.service = "platform-back";
  done.ok = false;
  done.old_pid = 4101;
  done.duration_ms = 30004;
  done.error = "not ready within 30s";
  done.output = "Error: boom\n  at x";
  const std::string line = encode_reply(std::string("3"), done);
  CHECK(line ==
        R"({"id":"3","type":"restart.done","service":"platform-back","ok":false,"pid":null,"oldPid":4101,)"
        R"("durationMs":30004,"killed":false,"error":"not ready within 30s","output":"Error: boom\n  at x"})"
        "\n");
  auto back = round_trip(done);
  const auto* d = back.as<RestartDone>();
  REQUIRE(d != nullptr);
  CHECK(d->service == "platform-back");
  CHECK_FALSE(d->pid.has_value());
  CHECK(d->old_pid == std::optional<int>(4101));
  CHECK(d->output == done.output);
}

TEST_CASE("ipc messages: the edge restart.done says exiting", "[unit]") {
  RestartDone edge;
  edge.service = "edge";
  edge.ok = true;
  edge.pid = 1;
  edge.exiting = true;
  CHECK(encode_reply(std::string("3"), edge) ==
        R"({"id":"3","type":"restart.done","service":"edge","ok":true,"pid":1,"exiting":true})" "\n");
}

TEST_CASE("ipc messages: every reply type round-trips", "[unit]") {
  HelloReply hello{"reship-supervisor/0.1.0", 1, 42, {"a", "b"}, {{"platform", {"a", "b"}}}};
  auto h = round_trip(hello);
  REQUIRE(h.as<HelloReply>() != nullptr);
  CHECK(h.as<HelloReply>()->scopes.at("platform") == std::vector<std::string>{"a", "b"});
  CHECK(h.is_final());

  StatusReply status;
  status.supervisor = {42, 1000, "0.1.0"};
  ServiceStatus s;
  s.name = "a";
  s.state = "running";
  s.pid = 43;
  s.uptime_ms = 900;
  s.restarts = 2;
  s.ready = true;
  s.last_exit = LastExit{std::nullopt, std::string("TERM"), "2026-01-01T00:00:00.000Z"};
  status.services.push_back(s);
  auto st = round_trip(status);
  const auto* sr = st.as<StatusReply>();
  REQUIRE(sr != nullptr);
  REQUIRE(sr->services.size() == 1);
  CHECK(sr->services[0].last_exit->signal == std::optional<std::string>("TERM"));
  CHECK(sr->services[0].restarts == 2);

  CHECK_FALSE(round_trip(RestartAck{{"a"}}).is_final());
  CHECK(round_trip(RestartComplete{true, 12}).is_final());
  CHECK_FALSE(round_trip(OpAck{"stop", {"a"}}).is_final());
  CHECK(round_trip(OpDone{"stop", true, {{"a", true, std::nullopt, ""}}}).is_final());
  CHECK_FALSE(round_trip(ServiceState{"a", "running", 5, "t"}).is_final());
  auto err = round_trip(ErrorReply{"bad_json", "nope"}, std::nullopt);
  CHECK(err.is_final());
  CHECK_FALSE(err.id.has_value());
}

TEST_CASE("ipc messages: requests decode, with errors for what is wrong", "[unit]") {
  auto ok = decode(R"({"id":"1","op":"restart","scope":"platform"})");
  REQUIRE(std::holds_alternative<Request>(ok));
  CHECK(std::get<Request>(ok).scope == std::optional<std::string>("platform"));
  auto services = decode(R"({"id":"1","op":"restart","services":["a","b"]})");
  REQUIRE(std::holds_alternative<Request>(services));
  CHECK(std::get<Request>(services).services.size() == 2);

  struct Case {
    const char* line;
    const char* code;
    bool has_id;
  };
  for (const Case& c : {Case{"{", "bad_json", false}, Case{"[]", "bad_request", false},
                        Case{R"({"op":"status"})", "bad_request", false}, Case{R"({"id":3,"op":"status"})", "bad_request", false},
                        Case{R"({"id":"1"})", "bad_request", true}, Case{R"({"id":"1","op":"fly"})", "unknown_op", true},
                        Case{R"({"id":"1","op":"restart"})", "bad_request", true},
                        Case{R"({"id":"1","op":"restart","scope":"a","services":["b"]})", "bad_request", true},
                        Case{R"({"id":"1","op":"restart","services":[]})", "bad_request", true},
                        Case{R"({"id":"1","op":"restart","services":[1]})", "bad_request", true},
                        Case{R"({"id":"1","op":"stop"})", "bad_request", true}}) {
    INFO(c.line);
    auto r = decode(c.line);
    REQUIRE(std::holds_alternative<RequestError>(r));
    CHECK(std::get<RequestError>(r).code == c.code);
    CHECK(std::get<RequestError>(r).id.has_value() == c.has_id);
  }
}

TEST_CASE("ipc messages: request encoders produce what the decoder reads", "[unit]") {
  for (const auto& line : {encode_hello_request("1", "cli"), encode_status_request("1"),
                           encode_restart_request("1", {"a"}), encode_restart_scope_request("1", "platform"),
                           encode_start_stop_request("1", Op::stop, {"a"}), encode_subscribe_request("1")}) {
    INFO(line);
    auto r = decode(line.substr(0, line.size() - 1));
    CHECK(std::holds_alternative<Request>(r));
  }
}
