#include "back/mcp/tools.hpp"

#include <array>
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "back/mcp/json_rpc.hpp"
#include "back/mcp/tool_catalog.hpp"
#include "common/text/escape.hpp"
#include "common/text/json_read.hpp"
#include "common/text/json_writer.hpp"
#include "common/time.hpp"
#include "ipc/messages.hpp"

namespace reship::mcp {
namespace {

std::string seconds(int64_t ms) { return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0); }

// An integer argument in [lo, hi]: `fallback` when absent, an error message
// when it is something else.
std::variant<int64_t, std::string> int_arg(simdjson::dom::object args, std::string_view name, int64_t lo, int64_t hi,
                                           int64_t fallback) {
  simdjson::dom::element e;
  if (args[name].get(e)) return fallback;
  int64_t v = 0;
  if (e.get(v) || v < lo || v > hi) {
    return fmt::format("{} must be a whole number from {} to {}", name, lo, hi);
  }
  return v;
}

std::optional<std::string> string_arg(simdjson::dom::object args, std::string_view name) {
  std::string_view v;
  if (args[name].get(v)) return std::nullopt;
  return std::string(v);
}

// The record's JSON with "next": the call that waits for its outcome.
std::string with_next(std::string record_json, const std::string& id) {
  if (record_json.empty() || record_json.back() != '}') return record_json;
  record_json.pop_back();
  common::JsonWriter w(96);
  w.begin_object().field("tool", "deploy_wait").key("arguments").begin_object().field("deployId", id);
  w.end_object().end_object();
  record_json += ",\"next\":" + std::move(w).str() + "}";
  return record_json;
}

std::string last_line(const std::string& tail) {
  size_t end = tail.size();
  while (end > 0 && (tail[end - 1] == '\n' || tail[end - 1] == '\r')) --end;
  const size_t start = tail.rfind('\n', end == 0 ? 0 : end - 1);
  return tail.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1));
}

void write_restart_done(common::JsonWriter& w, const ipc::RestartDone& d) {
  w.begin_object().field("service", d.service).field("ok", d.ok).field("pid", d.pid).field("durationMs", d.duration_ms);
  if (!d.ok) w.field("error", d.error);
  if (d.killed) w.field("killed", true);
  if (!d.output.empty()) w.field("output", d.output);
  if (!d.mode.empty()) w.field("mode", d.mode);
  w.end_object();
}

}  // namespace

Tools::Tools(Parts parts)
    : parts_(parts), body_(parts.config, parts.auth, parts.deploys), list_(parts.config, parts.deploys) {}

Tools::~Tools() = default;

void Tools::call(const std::string& name, simdjson::dom::object args, const api::Caller& caller,
                 const std::shared_ptr<ToolCall>& call) {
  if (name == "deploy") return deploy(args, caller, call, std::nullopt);
  if (name == "deploy_wait") return deploy_wait(args, call);
  if (name == "deploy_status") return deploy_status(args, call);
  if (name == "deploys") return deploys(args, call);
  if (name == "deploy_cancel") return deploy_cancel(args, caller, call);
  if (name == "deploy_logs") return deploy_logs(args, call);
  if (name == "services") return services(call);
  if (name == "restart") return restart(args, caller, call);
  call->fail(rpc_code::invalid_params, "unknown tool \"" + name + "\"; tools/list lists the tools");
}

// ---- deploys ----------------------------------------------------------------------

void Tools::deploy(simdjson::dom::object args, const api::Caller& caller, const std::shared_ptr<ToolCall>& call,
                   std::optional<back::DeployMode> forced_mode) {
  back::DeployRequest request;
  request.requested_by = caller.name;
  request.unrestricted = caller.unrestricted;
  static constexpr std::array<std::string_view, 1> kDeployAlso = {"waitSeconds"};
  static constexpr std::array<std::string_view, 2> kRestartAlso = {"waitSeconds", "services"};
  const auto also = forced_mode ? std::span<const std::string_view>(kRestartAlso)
                                : std::span<const std::string_view>(kDeployAlso);
  if (auto error = body_.read_fields(args, request, also)) return call->finish(tool_error(error->message));
  if (forced_mode) request.mode = *forced_mode;
  auto wait = int_arg(args, "waitSeconds", 0, kMaxWaitSeconds, kMaxWaitSeconds);
  if (auto* problem = std::get_if<std::string>(&wait)) return call->finish(tool_error(*problem));
  if (auto error = body_.check_scope(request, caller)) return call->finish(tool_error(error->message));
  auto result = parts_.deploys.submit(request, nullptr);
  if (auto* refused = std::get_if<back::Refusal>(&result)) return call->finish(tool_error(refused->message));
  const auto& submitted = std::get<back::DeployService::Submitted>(result);
  wait_for(submitted.id, common::Millis(std::get<int64_t>(wait) * 1000), call, submitted.replayed);
}

void Tools::deploy_wait(simdjson::dom::object args, const std::shared_ptr<ToolCall>& call) {
  auto id = deploy_id_arg(args, call);
  if (!id) return;
  auto wait = int_arg(args, "waitSeconds", 0, kMaxWaitSeconds, kMaxWaitSeconds);
  if (auto* problem = std::get_if<std::string>(&wait)) return call->finish(tool_error(*problem));
  if (!parts_.deploys.get(*id)) return call->finish(tool_error("no deploy " + *id));
  wait_for(*id, common::Millis(std::get<int64_t>(wait) * 1000), call, false);
}

void Tools::wait_for(const std::string& id, common::Millis wait, const std::shared_ptr<ToolCall>& call,
                     bool replayed) {
  std::weak_ptr<bool> alive = alive_;
  // The wait holds the call until it fires or is forgotten.
  const uint64_t key = parts_.deploys.wait(id, wait, [this, alive, call, id, replayed](auto record) {
    if (alive.expired()) return;
    if (!record) return call->finish(tool_error("no deploy " + id));
    call->finish(record_result(*record, replayed));
  });
  if (call->done() || key == 0) return;
  call->on_cancel([this, alive, id, key] {
    if (!alive.expired()) parts_.deploys.cancel_wait(id, key);
  });
  if (!call->wants_progress()) return;
  const int64_t started = common::monotonic_ms();
  send_progress(id, started, call);
  std::weak_ptr<ToolCall> weak = call;
  call->ticker().start_repeating(kProgressEvery, [this, alive, weak, id, started] {
    auto c = weak.lock();
    if (!alive.expired() && c) send_progress(id, started, c);
  });
}

void Tools::send_progress(const std::string& id, int64_t started_ms, const std::shared_ptr<ToolCall>& call) {
  auto record = parts_.deploys.get(id);
  if (!record) return;
  const int64_t elapsed = common::monotonic_ms() - started_ms;
  std::string message = fmt::format("{} · {} s", back::status_name(record->status), elapsed / 1000);
  if (record->waiting_for) message += " · waiting for " + *record->waiting_for;
  const std::string line = last_line(parts_.logs.tail(id, 1024));
  if (!line.empty()) message += " · " + cut_line(common::escape_controls(line), 200);
  call->progress(static_cast<double>(elapsed) / 1000.0, message);
}

void Tools::deploy_status(simdjson::dom::object args, const std::shared_ptr<ToolCall>& call) {
  auto id = deploy_id_arg(args, call);
  if (!id) return;
  auto record = parts_.deploys.get(*id);
  if (!record) return call->finish(tool_error("no deploy " + *id));
  call->finish(record_result(*record));
}

void Tools::deploys(simdjson::dom::object args, const std::shared_ptr<ToolCall>& call) {
  back::DeployStore::ListQuery query;
  query.limit = 10;
  if (auto status = string_arg(args, "status")) {
    if (auto error = list_.read_status(*status, query)) return call->finish(tool_error(error->message));
  }
  query.scope = string_arg(args, "scope");
  query.lane = string_arg(args, "lane");
  auto limit = int_arg(args, "limit", 1, 50, 10);
  if (auto* problem = std::get_if<std::string>(&limit)) return call->finish(tool_error(*problem));
  query.limit = static_cast<int>(std::get<int64_t>(limit));
  if (auto before = string_arg(args, "before")) {
    int64_t cursor = 0;
    auto [p, ec] = std::from_chars(before->data(), before->data() + before->size(), cursor);
    if (ec != std::errc() || p != before->data() + before->size() || cursor < 1) {
      return call->finish(tool_error("before must be the \"next\" of a previous answer"));
    }
    query.before = cursor;
  }
  auto page = parts_.deploys.list(query);
  if (auto error = list_.check_empty(query, page)) return call->finish(tool_error(error->message));
  std::string text;
  for (const auto& r : page.deploys) {
    text += fmt::format("{} {} {} of {} at {}", r.id, back::status_name(r.status), back::mode_name(r.mode), r.scope,
                        common::iso8601_utc(r.created_at));
    if (r.error_summary) text += ": " + cut_line(*r.error_summary, 200);
    text += '\n';
  }
  if (text.empty()) text = "no deploys\n";
  if (page.next) text += "more: call deploys with before=\"" + std::to_string(*page.next) + "\"\n";
  call->finish({list_.page_json(page), std::move(text), false});
}

void Tools::deploy_cancel(simdjson::dom::object args, const api::Caller& caller,
                          const std::shared_ptr<ToolCall>& call) {
  auto id = deploy_id_arg(args, call);
  if (!id) return;
  auto record = parts_.deploys.get(*id);
  if (!record) return call->finish(tool_error("no deploy " + *id));
  if (auto denied = parts_.auth.check_scope(caller, record->scope)) return call->finish(tool_error(denied->message));
  auto result = parts_.deploys.cancel(*id, caller.name, string_arg(args, "reason").value_or(""));
  if (auto* refused = std::get_if<back::Refusal>(&result)) return call->finish(tool_error(refused->message));
  call->finish(record_result(std::get<back::DeployRecord>(result)));
}

void Tools::deploy_logs(simdjson::dom::object args, const std::shared_ptr<ToolCall>& call) {
  auto id = deploy_id_arg(args, call);
  if (!id) return;
  auto record = parts_.deploys.get(*id);
  if (!record) return call->finish(tool_error("no deploy " + *id));
  LogQuery q;
  auto offset = int_arg(args, "offset", 0, INT64_MAX, 0);
  auto limit = int_arg(args, "limit", 1, 2000, 200);
  auto tail = int_arg(args, "tail", 1, 2000, 0);
  for (auto* v : {&offset, &limit, &tail}) {
    if (auto* problem = std::get_if<std::string>(v)) return call->finish(tool_error(*problem));
  }
  q.offset = std::get<int64_t>(offset);
  q.limit = static_cast<size_t>(std::get<int64_t>(limit));
  q.tail = static_cast<size_t>(std::get<int64_t>(tail));
  q.grep = string_arg(args, "grep").value_or("");
  if (!parts_.logs.is_line_start(*id, q.offset)) {
    return call->finish(tool_error("offset " + std::to_string(q.offset) +
                                   " is not where a line starts: use 0 or the nextOffset of a previous answer"));
  }
  const LogPage page = read_log_page(parts_.logs, *id, q);
  common::JsonWriter w(page.lines.size() * 160 + 256);
  std::string text;
  text.reserve(kPageTextBudget + page.lines.size() * 12 + 256);
  w.begin_object().field("deployId", *id).field("status", back::status_name(record->status));
  w.key("lines").begin_array();
  for (const auto& line : page.lines) {
    w.begin_object()
        .field("line", line.number)
        .field("offset", line.offset)
        .field("stream", back::stream_name(line.stream))
        .field("text", line.text)
        .end_object();
    text += fmt::format("{:>6}: ", line.number);
    text += line.text;
    text += '\n';
  }
  w.end_array().field("nextOffset", page.next_offset).field("size", page.size).field("more", page.more).end_object();
  if (page.lines.empty()) text += q.grep.empty() ? "(no lines)\n" : "(no line matches)\n";
  if (page.more) {
    text += fmt::format("more: call deploy_logs with offset={}{}\n", page.next_offset,
                        q.grep.empty() ? "" : " and the same grep");
  } else if (!back::is_final(record->status)) {
    text += fmt::format("the deploy is still {}: more lines will come from offset={}\n",
                        back::status_name(record->status), page.next_offset);
  }
  call->finish({std::move(w).str(), std::move(text), false});
}

std::optional<std::string> Tools::deploy_id_arg(simdjson::dom::object args, const std::shared_ptr<ToolCall>& call) {
  auto id = string_arg(args, "deployId");
  if (!id) {
    call->finish(tool_error("deployId is required: a deploy id like d-20261122-120301-7f3a9c, or \"latest\""));
    return std::nullopt;
  }
  if (*id == "latest") {
    back::DeployStore::ListQuery newest;
    newest.limit = 1;
    auto page = parts_.deploys.list(newest);
    if (page.deploys.empty()) {
      call->finish(tool_error("there are no deploys yet"));
      return std::nullopt;
    }
    return page.deploys.front().id;
  }
  if (!back::is_valid_deploy_id(*id)) {
    call->finish(tool_error(api::not_a_deploy_id().message));
    return std::nullopt;
  }
  return id;
}

ToolResult Tools::record_result(const back::DeployRecord& r, bool replayed) {
  const std::string tail = parts_.logs.tail(r.id, parts_.config.back.log_tail_bytes);
  std::string structured = back::record_json(r, {false, &tail, nullptr, parts_.deploys.durable(r.id)});
  std::string text = fmt::format("deploy {} ({} of {}) ", r.id, back::mode_name(r.mode), r.scope);
  if (replayed) text = "(a retry: joined its first request's deploy) " + text;
  switch (r.status) {
    case back::DeployStatus::succeeded:
      text += "succeeded in " + seconds(r.duration_ms);
      if (r.self_restart == std::optional<std::string>("pending")) {
        text += "; reship-back restarts itself now (deploy_status shows selfRestart \"done\" once it is back)";
      }
      break;
    case back::DeployStatus::failed:
    case back::DeployStatus::interrupted:
      text += fmt::format("{} after {}: {}", back::status_name(r.status), seconds(r.duration_ms),
                          r.error_summary.value_or("(no summary)"));
      if (!r.diagnostics.empty()) text += fmt::format("\n({} diagnostics in structuredContent)", r.diagnostics.size());
      break;
    case back::DeployStatus::cancelled:
      text += "was cancelled: " + r.error_summary.value_or("(no reason)");
      break;
    case back::DeployStatus::queued:
    case back::DeployStatus::building:
    case back::DeployStatus::restarting:
      structured = with_next(std::move(structured), r.id);
      text += fmt::format("is still {} ({} since it was asked for); call deploy_wait with "
                          "{{\"deployId\":\"{}\"}} for its outcome",
                          back::status_name(r.status), seconds(std::max<int64_t>(0, common::unix_ms() - r.created_at)),
                          r.id);
      break;
  }
  return {std::move(structured), std::move(text), false};
}

// ---- services ---------------------------------------------------------------------

void Tools::services(const std::shared_ptr<ToolCall>& call) {
  std::weak_ptr<bool> alive = alive_;
  parts_.supervisor.status([alive, call](common::Result<ipc::StatusReply> status) {
    if (alive.expired()) return;
    if (!status) return call->finish(tool_error(status.error().message));
    std::string text;
    for (const auto& s : status->services) {
      text += fmt::format("{} {}", s.name, s.state);
      if (s.pid) text += fmt::format(" pid {}", *s.pid);
      if (s.extra_processes > 0) text += fmt::format(" (+{} processes)", s.extra_processes);
      text += fmt::format(", {} restarts\n", s.restarts);
    }
    if (text.empty()) text = "no services\n";
    call->finish({ipc::encode_status_json(*status), std::move(text), false});
  });
}

void Tools::restart(simdjson::dom::object args, const api::Caller& caller, const std::shared_ptr<ToolCall>& call) {
  simdjson::dom::element services;
  if (args["services"].get(services)) return deploy(args, caller, call, back::DeployMode::restart);
  std::vector<std::string> names;
  simdjson::dom::array list;
  bool ok = !services.get(list);
  if (ok) {
    for (auto item : list) {
      std::string_view name;
      ok = ok && !item.get(name);
      if (ok) names.emplace_back(name);
    }
  }
  if (!ok || names.empty()) return call->finish(tool_error("services must be a list of service names"));
  if (!args["scope"].error()) return call->finish(tool_error("give a scope or services, not both"));
  restart_services(names, caller, call);
}

void Tools::restart_services(const std::vector<std::string>& names, const api::Caller& caller,
                             const std::shared_ptr<ToolCall>& call) {
  const auto& config = parts_.config;
  for (const auto& name : names) {
    if (name == common::kEdge || (!config.back.service.empty() && name == config.back.service)) {
      return call->finish(tool_error(
          "restarting " + name + " by name would cut this answer off; call restart with a scope that holds it, "
          "which restarts reship-back last and keeps the record (scopes: " + parts_.deploys.scope_list() + ")"));
    }
    if (config.find_service(name) == nullptr) {
      std::string known;
      for (const auto& s : config.services) known += (known.empty() ? "" : ", ") + s.name;
      return call->finish(tool_error("unknown service \"" + name + "\"; services: " + known));
    }
    // A token limited to scopes restarts only the services of those scopes.
    if (caller.token != nullptr) {
      bool allowed = false;
      for (const auto& scope : caller.token->scopes) {
        const auto* members = config.find_scope(scope);
        allowed = allowed || (members && std::find(members->begin(), members->end(), name) != members->end());
      }
      if (!allowed) {
        return call->finish(tool_error("token \"" + caller.name + "\" may not restart " + name +
                                       ": it is in none of the token's scopes"));
      }
    }
  }
  struct Collected {
    std::vector<ipc::RestartDone> done;
  };
  auto collected = std::make_shared<Collected>();
  std::weak_ptr<bool> alive = alive_;
  back::Restarter::Handlers h;
  h.on_done = [collected](const ipc::RestartDone& d) { collected->done.push_back(d); };
  h.on_complete = [alive, call, collected](const ipc::RestartComplete& complete) {
    if (alive.expired()) return;
    common::JsonWriter w(256 * (collected->done.size() + 1));
    w.begin_object().field("ok", complete.ok).field("durationMs", complete.duration_ms).key("restarts").begin_array();
    std::string text;
    for (const auto& d : collected->done) {
      write_restart_done(w, d);
      if (d.ok) {
        text += fmt::format("{} restarted (pid {}, {})\n", d.service, d.pid.value_or(0), seconds(d.duration_ms));
      } else {
        text += fmt::format("{} failed: {}\n", d.service, d.error);
        if (!d.output.empty()) text += d.output + "\n";
      }
    }
    w.end_array().end_object();
    call->finish({std::move(w).str(), std::move(text), false});
  };
  h.on_failure = [alive, call](const common::Error& error) {
    if (!alive.expired()) call->finish(tool_error(error.message));
  };
  parts_.supervisor.restart(names, std::move(h));
}

}  // namespace reship::mcp
