#include "cli/deploy_summary.hpp"

#include "cli/back_client.hpp"
#include "cli/cli_context.hpp"
#include "common/text/escape.hpp"

namespace reship::cli {
namespace {

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += prefix + common::escape_controls(std::string_view(text).substr(start, end - start)) + "\n";
    start = end + 1;
  }
  return out;
}

std::string restarts_text(simdjson::dom::element record) {
  std::string out;
  simdjson::dom::array restarts;
  if (record["restarts"].get_array().get(restarts)) return out;
  for (auto r : restarts) {
    const bool ok = json_bool(r, "ok");
    char line[512];
    // What a deploy's reload did ("started", "stopped"), else a restart.
    std::string action = json_string(r, "action");
    if (action.empty()) action = "restarted";
    if (ok && action == "stopped") {
      std::snprintf(line, sizeof line, "  %-20s stopped    %s\n", json_string(r, "service").c_str(),
                    human_duration(json_int(r, "durationMs")).c_str());
    } else if (ok) {
      std::snprintf(line, sizeof line, "  %-20s %-10s pid %-7lld %s\n", json_string(r, "service").c_str(),
                    action.c_str(), static_cast<long long>(json_int(r, "pid")),
                    human_duration(json_int(r, "durationMs")).c_str());
    } else {
      std::snprintf(line, sizeof line, "  %-20s FAILED     %s\n", json_string(r, "service").c_str(),
                    common::escape_controls(json_string(r, "error")).c_str());
    }
    out += line;
  }
  return out;
}

}  // namespace

int exit_code_of(simdjson::dom::element record) {
  const std::string status = json_string(record, "status");
  if (status == "succeeded") return kExitOk;
  if (status == "cancelled") return kExitCancelled;
  return kExitFailed;
}

std::string deploy_summary(simdjson::dom::element record) {
  const std::string status = json_string(record, "status");
  std::string out = "deploy " + json_string(record, "deployId") + " " + status + " in " +
                    human_duration(json_int(record, "durationMs"));
  const int64_t exit = json_int(record, "exitCode", -1);
  if (exit > 0) out += " (exit code " + std::to_string(exit) + ")";
  if (!json_string(record, "signal").empty()) out += " (signal " + json_string(record, "signal") + ")";
  out += "\n" + restarts_text(record);
  const std::string self = json_string(record, "selfRestart");
  if (self == "pending") out += "  reship-back is restarting itself now; its next instance completes the record\n";
  const std::string summary = json_string(record, "errorSummary");
  if (!summary.empty() && status != "succeeded") out += indent(summary, "  ");
  return out;
}

std::string deploy_details(simdjson::dom::element r) {
  std::string out;
  const auto row = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%-14s", name);
    out += buf + common::escape_controls(value) + "\n";
  };
  std::string targets;
  simdjson::dom::array list;
  if (!r["targets"].get_array().get(list)) {
    for (auto t : list) {
      std::string_view v;
      if (!t.get_string().get(v)) targets += (targets.empty() ? "" : ", ") + std::string(v);
    }
  }
  row("deploy", json_string(r, "deployId") + "  " + json_string(r, "status"));
  row("scope", json_string(r, "scope") + " (" + json_string(r, "mode") + ")");
  row("targets", targets);
  std::string who = json_string(r, "requestedBy");
  if (!json_string(r, "sessionId").empty()) who += ", session " + json_string(r, "sessionId");
  if (!json_string(r, "reason").empty()) who += ", \"" + json_string(r, "reason") + "\"";
  row("requested by", who);
  row("created", json_string(r, "createdAt"));
  row("started", json_string(r, "startedAt"));
  row("finished", json_string(r, "finishedAt"));
  row("queued", human_duration(json_int(r, "queuedMs")));
  row("duration", human_duration(json_int(r, "durationMs")));
  const int64_t exit = json_int(r, "exitCode", -1);
  if (exit >= 0) row("exit code", std::to_string(exit));
  row("signal", json_string(r, "signal"));
  const int64_t position = json_int(r, "queuePosition", -1);
  if (position >= 0) row("queue", position == 0 ? "running" : "waiting for the running deploy");
  row("self-restart", json_string(r, "selfRestart"));
  row("superseded by", json_string(r, "supersededBy"));
  const int64_t joined = json_int(r, "joined");
  if (joined > 0) row("joined by", std::to_string(joined) + " other request(s)");
  simdjson::dom::element source;
  if (!r["source"].get(source) && source.is_object()) {
    std::string text = json_string(source, "commit").substr(0, 12);
    const std::string branch = json_string(source, "branch");
    text += branch.empty() ? " (detached)" : " on " + branch;
    if (json_bool(source, "dirty")) text += ", " + std::to_string(json_int(source, "changedFiles")) + " changed files";
    const std::string message = json_string(source, "message");
    if (!message.empty()) text += ": " + message;
    row("source", text);
  }
  simdjson::dom::element since;
  if (!r["sinceLastGood"].get(since) && since.is_object()) {
    const int64_t count = json_int(since, "count");
    row("since good", json_string(since, "commit").substr(0, 12) + ": " + std::to_string(count) + " file" +
                          (count == 1 ? "" : "s") + " changed");
    simdjson::dom::array files;
    if (!since["files"].get_array().get(files)) {
      for (auto file : files) {
        std::string_view v;
        if (!file.get_string().get(v)) out += "  " + common::escape_controls(v) + "\n";
      }
      if (count > static_cast<int64_t>(files.size())) {
        out += "  ... and " + std::to_string(count - static_cast<int64_t>(files.size())) + " more\n";
      }
    }
  }
  row("log", std::to_string(json_int(r, "logBytes")) + " bytes: reship logs " + json_string(r, "deployId"));
  const std::string restarts = restarts_text(r);
  if (!restarts.empty()) out += "restarts\n" + restarts;
  const std::string summary = json_string(r, "errorSummary");
  if (!summary.empty()) out += "error\n" + indent(summary, "  ");
  return out;
}

}  // namespace reship::cli
