#include "ipc/messages.hpp"

#include "common/text/json_read.hpp"
#include "common/text/json_writer.hpp"

namespace reship::ipc {

using common::JsonFields;
using common::JsonWriter;

namespace {

constexpr const char* kOps = "hello, status, restart, start, stop, subscribe or reload";

std::optional<Op> op_from_name(std::string_view name) {
  if (name == "hello") return Op::hello;
  if (name == "status") return Op::status;
  if (name == "restart") return Op::restart;
  if (name == "start") return Op::start;
  if (name == "stop") return Op::stop;
  if (name == "subscribe") return Op::subscribe;
  if (name == "reload") return Op::reload;
  return std::nullopt;
}

const char* op_name(Op op) {
  switch (op) {
    case Op::hello: return "hello";
    case Op::status: return "status";
    case Op::restart: return "restart";
    case Op::start: return "start";
    case Op::stop: return "stop";
    case Op::subscribe: return "subscribe";
    case Op::reload: return "reload";
  }
  return "?";
}

void begin(JsonWriter& w, const std::optional<std::string>& id, std::string_view type) {
  w.begin_object();
  w.field("id", id);
  w.field("type", type);
}

std::string finish(JsonWriter& w) {
  w.end_object();
  std::string line = std::move(w).str();
  line.push_back('\n');
  return line;
}

std::string request_line(std::string_view id, Op op, const std::vector<std::string>* services,
                         std::optional<std::string_view> scope, std::string_view client = {}) {
  JsonWriter w;
  w.begin_object().field("id", id).field("op", op_name(op));
  if (!client.empty()) w.field("client", client);
  if (scope) w.field("scope", *scope);
  if (services != nullptr) w.field("services", *services);
  return finish(w);
}

std::optional<int> opt_int(JsonFields& f, std::string_view key) {
  auto v = f.integer(key);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

std::vector<std::string> to_strings(const std::optional<std::vector<std::string_view>>& views) {
  std::vector<std::string> out;
  if (views) out.assign(views->begin(), views->end());
  return out;
}

void write_service_status(JsonWriter& w, const ServiceStatus& s) {
  w.begin_object();
  w.field("name", s.name).field("state", s.state).field("pid", s.pid);
  w.field("uptimeMs", s.uptime_ms).field("restarts", s.restarts).field("ready", s.ready);
  if (s.extra_processes > 0) w.field("extraProcesses", s.extra_processes);
  if (s.changed) w.field("changed", true);
  if (!s.sockets.empty()) {
    w.key("sockets").begin_array();
    for (const auto& k : s.sockets) {
      w.begin_object().field("address", k.address).field("bound", k.bound).field("fd", k.fd).end_object();
    }
    w.end_array();
  }
  w.key("lastExit");
  if (s.last_exit) {
    w.begin_object()
        .field("code", s.last_exit->code)
        .field("signal", s.last_exit->signal)
        .field("at", s.last_exit->at)
        .end_object();
  } else {
    w.null();
  }
  w.end_object();
}

ServiceStatus read_service_status(simdjson::dom::object o) {
  JsonFields f(o);
  ServiceStatus s;
  s.name = std::string(f.string("name").value_or(""));
  s.state = std::string(f.string("state").value_or(""));
  s.pid = opt_int(f, "pid");
  s.uptime_ms = f.integer("uptimeMs").value_or(0);
  s.restarts = f.integer("restarts").value_or(0);
  s.extra_processes = f.integer("extraProcesses").value_or(0);
  s.ready = f.boolean("ready").value_or(false);
  s.changed = f.boolean("changed").value_or(false);
  if (auto sockets = f.array("sockets")) {
    for (auto item : *sockets) {
      if (!item.is_object()) continue;
      JsonFields k(item.get_object());
      s.sockets.push_back({std::string(k.string("address").value_or("")), std::string(k.string("bound").value_or("")),
                           static_cast<int>(k.integer("fd").value_or(0))});
    }
  }
  if (auto last = f.object("lastExit")) {
    JsonFields l(*last);
    LastExit e;
    e.code = opt_int(l, "code");
    if (auto sig = l.string("signal")) e.signal = std::string(*sig);
    e.at = std::string(l.string("at").value_or(""));
    s.last_exit = std::move(e);
  }
  return s;
}

struct Encoder {
  JsonWriter& w;
  const std::optional<std::string>& id;

  void operator()(const HelloReply& r) {
    begin(w, id, "hello");
    w.field("server", r.server).field("protocol", r.protocol).field("pid", r.pid).field("services", r.services);
    w.key("scopes").begin_object();
    for (const auto& [name, members] : r.scopes) w.field(name, members);
    w.end_object();
  }
  void operator()(const StatusReply& r) {
    begin(w, id, "status");
    write_status_members(w, r);
  }
  static void write_status_members(JsonWriter& w, const StatusReply& r) {
    w.key("supervisor")
        .begin_object()
        .field("pid", r.supervisor.pid)
        .field("uptimeMs", r.supervisor.uptime_ms)
        .field("version", r.supervisor.version)
        .end_object();
    w.key("services").begin_array();
    for (const auto& s : r.services) write_service_status(w, s);
    w.end_array();
  }
  void operator()(const RestartAck& r) {
    begin(w, id, "restart.ack");
    w.field("services", r.services);
  }
  void operator()(const RestartDone& r) {
    begin(w, id, "restart.done");
    w.field("service", r.service).field("ok", r.ok).field("pid", r.pid);
    if (!r.exiting) w.field("oldPid", r.old_pid).field("durationMs", r.duration_ms).field("killed", r.killed);
    if (!r.ok) w.field("error", r.error);
    if (r.exiting) w.field("exiting", true);
    if (!r.mode.empty()) w.field("mode", r.mode);
    if (!r.ok && !r.output.empty()) w.field("output", r.output);
  }
  void operator()(const RestartComplete& r) {
    begin(w, id, "restart.complete");
    w.field("ok", r.ok).field("durationMs", r.duration_ms);
  }
  void operator()(const OpAck& r) {
    begin(w, id, "ack");
    w.field("op", r.op).field("services", r.services);
  }
  void operator()(const OpDone& r) {
    begin(w, id, "done");
    w.field("op", r.op).field("ok", r.ok);
    w.key("results").begin_array();
    for (const auto& result : r.results) {
      w.begin_object().field("service", result.service).field("ok", result.ok).field("pid", result.pid);
      if (!result.ok) w.field("error", result.error);
      w.end_object();
    }
    w.end_array();
  }
  void operator()(const ServiceState& r) {
    begin(w, id, "service.state");
    w.field("service", r.service).field("state", r.state).field("pid", r.pid).field("at", r.at);
  }
  void operator()(const ReloadDone& r) {
    begin(w, id, "reload.done");
    w.field("ok", r.ok);
    if (!r.problems.empty()) w.field("problems", r.problems);
    w.field("started", r.started).field("stopped", r.stopped).field("restarted", r.restarted);
    w.field("changed", r.changed).field("unchanged", r.unchanged).field("needsRestart", r.needs_restart);
    w.key("results").begin_array();
    for (const auto& x : r.results) {
      w.begin_object().field("service", x.service).field("action", x.action).field("ok", x.ok).field("pid", x.pid);
      if (x.old_pid) w.field("oldPid", x.old_pid);
      w.field("durationMs", x.duration_ms);
      if (!x.ok) w.field("error", x.error);
      if (!x.ok && !x.output.empty()) w.field("output", x.output);
      w.end_object();
    }
    w.end_array();
    w.field("durationMs", r.duration_ms);
  }
  void operator()(const ErrorReply& r) {
    begin(w, id, "error");
    w.field("code", r.code).field("message", r.message);
  }
};

}  // namespace

// ---- requests --------------------------------------------------------------

std::variant<Request, RequestError> decode_request(simdjson::dom::parser& parser, std::string_view line) {
  auto element = common::parse_json(parser, line);
  if (!element) return RequestError{std::nullopt, code::bad_json, element.error().message};
  simdjson::dom::object object;
  if (element->get_object().get(object)) {
    return RequestError{std::nullopt, code::bad_request, "a request must be a JSON object"};
  }
  JsonFields f(object);
  Request req;
  auto id = f.string("id");
  if (!id || id->empty()) {
    return RequestError{std::nullopt, code::bad_request, "a request needs an \"id\": a non-empty string"};
  }
  req.id = std::string(*id);
  auto op = f.string("op");
  if (f.error() || !op) return RequestError{req.id, code::bad_request, "a request needs an \"op\": " + std::string(kOps)};
  auto parsed = op_from_name(*op);
  if (!parsed) return RequestError{req.id, code::unknown_op, "unknown op \"" + std::string(*op) + "\": use " + kOps};
  req.op = *parsed;
  req.client = std::string(f.string("client").value_or(""));
  if (auto scope = f.string("scope")) req.scope = std::string(*scope);
  auto services = f.strings("services");
  if (f.error()) return RequestError{req.id, code::bad_request, *f.error()};
  req.services = to_strings(services);
  if (auto restart = f.string("restart")) {
    if (req.op != Op::reload || (*restart != "now" && *restart != "never")) {
      return RequestError{req.id, code::bad_request,
                          "\"restart\" is for reload only: \"now\" (the default) or \"never\""};
    }
    req.defer_restarts = *restart == "never";
  }
  switch (req.op) {
    case Op::restart:
      if (req.scope.has_value() == services.has_value()) {
        return RequestError{req.id, code::bad_request, "restart needs either \"scope\" or \"services\", not both"};
      }
      if (services && req.services.empty()) {
        return RequestError{req.id, code::bad_request, "\"services\" must name at least one service"};
      }
      break;
    case Op::start:
    case Op::stop:
      if (req.services.empty()) {
        return RequestError{req.id, code::bad_request,
                            std::string(op_name(req.op)) + " needs \"services\": the names of the services"};
      }
      break;
    default:
      break;
  }
  return req;
}

std::string encode_hello_request(std::string_view id, std::string_view client) {
  return request_line(id, Op::hello, nullptr, std::nullopt, client);
}

std::string encode_status_request(std::string_view id) { return request_line(id, Op::status, nullptr, std::nullopt); }

std::string encode_restart_request(std::string_view id, const std::vector<std::string>& services) {
  return request_line(id, Op::restart, &services, std::nullopt);
}

std::string encode_restart_scope_request(std::string_view id, std::string_view scope) {
  return request_line(id, Op::restart, nullptr, scope);
}

std::string encode_start_stop_request(std::string_view id, Op op, const std::vector<std::string>& services) {
  return request_line(id, op, &services, std::nullopt);
}

std::string encode_subscribe_request(std::string_view id) {
  return request_line(id, Op::subscribe, nullptr, std::nullopt);
}

std::string encode_reload_request(std::string_view id, bool defer_restarts) {
  JsonWriter w;
  w.begin_object().field("id", id).field("op", "reload");
  if (defer_restarts) w.field("restart", "never");
  return finish(w);
}

// ---- replies ---------------------------------------------------------------

bool Reply::is_final() const {
  return std::holds_alternative<HelloReply>(body) || std::holds_alternative<StatusReply>(body) ||
         std::holds_alternative<RestartComplete>(body) || std::holds_alternative<OpDone>(body) ||
         std::holds_alternative<ErrorReply>(body) || std::holds_alternative<ReloadDone>(body);
}

std::string encode_reply(const std::optional<std::string>& id, const ReplyBody& body) {
  JsonWriter w(256);
  std::visit(Encoder{w, id}, body);
  return finish(w);
}

std::string encode_status_json(const StatusReply& status) {
  JsonWriter w(256);
  w.begin_object();
  Encoder::write_status_members(w, status);
  w.end_object();
  return std::move(w).str();
}

std::optional<Reply> decode_reply(simdjson::dom::parser& parser, std::string_view line) {
  auto element = common::parse_json(parser, line);
  if (!element) return std::nullopt;
  simdjson::dom::object object;
  if (element->get_object().get(object)) return std::nullopt;
  JsonFields f(object);
  Reply reply;
  if (auto id = f.string("id")) reply.id = std::string(*id);
  const std::string_view type = f.string("type").value_or("");
  if (type == "hello") {
    HelloReply r;
    r.server = std::string(f.string("server").value_or(""));
    r.protocol = static_cast<int>(f.integer("protocol").value_or(0));
    r.pid = opt_int(f, "pid").value_or(0);
    r.services = to_strings(f.strings("services"));
    if (auto scopes = f.object("scopes")) {
      for (auto [name, value] : *scopes) {
        std::vector<std::string> members;
        simdjson::dom::array array;
        if (!value.get_array().get(array)) {
          for (auto item : array) {
            std::string_view s;
            if (!item.get_string().get(s)) members.emplace_back(s);
          }
        }
        r.scopes.emplace(std::string(name), std::move(members));
      }
    }
    reply.body = std::move(r);
  } else if (type == "status") {
    StatusReply r;
    if (auto sup = f.object("supervisor")) {
      JsonFields s(*sup);
      r.supervisor.pid = opt_int(s, "pid").value_or(0);
      r.supervisor.uptime_ms = s.integer("uptimeMs").value_or(0);
      r.supervisor.version = std::string(s.string("version").value_or(""));
    }
    simdjson::dom::array services;
    if (!object["services"].get_array().get(services)) {
      for (auto item : services) {
        simdjson::dom::object o;
        if (!item.get_object().get(o)) r.services.push_back(read_service_status(o));
      }
    }
    reply.body = std::move(r);
  } else if (type == "restart.ack") {
    reply.body = RestartAck{to_strings(f.strings("services"))};
  } else if (type == "restart.done") {
    RestartDone r;
    r.service = std::string(f.string("service").value_or(""));
    r.ok = f.boolean("ok").value_or(false);
    r.pid = opt_int(f, "pid");
    r.old_pid = opt_int(f, "oldPid");
    r.duration_ms = f.integer("durationMs").value_or(0);
    r.error = std::string(f.string("error").value_or(""));
    r.killed = f.boolean("killed").value_or(false);
    r.exiting = f.boolean("exiting").value_or(false);
    r.output = std::string(f.string("output").value_or(""));
    r.mode = std::string(f.string("mode").value_or(""));
    reply.body = std::move(r);
  } else if (type == "restart.complete") {
    reply.body = RestartComplete{f.boolean("ok").value_or(false), f.integer("durationMs").value_or(0)};
  } else if (type == "ack") {
    reply.body = OpAck{std::string(f.string("op").value_or("")), to_strings(f.strings("services"))};
  } else if (type == "done") {
    OpDone r;
    r.op = std::string(f.string("op").value_or(""));
    r.ok = f.boolean("ok").value_or(false);
    simdjson::dom::array results;
    if (!object["results"].get_array().get(results)) {
      for (auto item : results) {
        simdjson::dom::object o;
        if (item.get_object().get(o)) continue;
        JsonFields rf(o);
        r.results.push_back({std::string(rf.string("service").value_or("")), rf.boolean("ok").value_or(false),
                             opt_int(rf, "pid"), std::string(rf.string("error").value_or(""))});
      }
    }
    reply.body = std::move(r);
  } else if (type == "service.state") {
    ServiceState r;
    r.service = std::string(f.string("service").value_or(""));
    r.state = std::string(f.string("state").value_or(""));
    r.pid = opt_int(f, "pid");
    r.at = std::string(f.string("at").value_or(""));
    reply.body = std::move(r);
  } else if (type == "reload.done") {
    ReloadDone r;
    r.ok = f.boolean("ok").value_or(false);
    r.problems = to_strings(f.strings("problems"));
    r.started = to_strings(f.strings("started"));
    r.stopped = to_strings(f.strings("stopped"));
    r.restarted = to_strings(f.strings("restarted"));
    r.changed = to_strings(f.strings("changed"));
    r.unchanged = to_strings(f.strings("unchanged"));
    r.needs_restart = to_strings(f.strings("needsRestart"));
    r.duration_ms = f.integer("durationMs").value_or(0);
    simdjson::dom::array results;
    if (!object["results"].get_array().get(results)) {
      for (auto item : results) {
        simdjson::dom::object o;
        if (item.get_object().get(o)) continue;
        JsonFields rf(o);
        ReloadResult x;
        x.service = std::string(rf.string("service").value_or(""));
        x.action = std::string(rf.string("action").value_or(""));
        x.ok = rf.boolean("ok").value_or(false);
        x.pid = opt_int(rf, "pid");
        x.old_pid = opt_int(rf, "oldPid");
        x.duration_ms = rf.integer("durationMs").value_or(0);
        x.error = std::string(rf.string("error").value_or(""));
        x.output = std::string(rf.string("output").value_or(""));
        r.results.push_back(std::move(x));
      }
    }
    reply.body = std::move(r);
  } else if (type == "error") {
    reply.body = ErrorReply{std::string(f.string("code").value_or("")), std::string(f.string("message").value_or(""))};
  } else {
    return std::nullopt;
  }
  return reply;
}

}  // namespace reship::ipc
