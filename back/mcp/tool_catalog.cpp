// The tools an agent sees. Descriptions are written for a model: what the
// tool does, when to call it, and what to call next.

#include "back/mcp/tool_catalog.hpp"

#include <array>

namespace reship::mcp {
namespace {

// The outputSchema of every tool that answers with a deploy record.
#define RESHIP_RECORD_SCHEMA                                                                                   \
  R"({"type":"object","properties":{)"                                                                          \
  R"("deployId":{"type":"string"},)"                                                                            \
  R"("status":{"type":"string","enum":["queued","building","restarting","succeeded","failed","cancelled","interrupted"]},)" \
  R"("ok":{"type":["boolean","null"],"description":"the outcome; null while the deploy runs"},)"              \
  R"("scope":{"type":"string"},"mode":{"type":"string"},)"                                                      \
  R"("durationMs":{"type":"integer"},"exitCode":{"type":["integer","null"]},)"                                  \
  R"("errorSummary":{"type":["string","null"]},)"                                                               \
  R"("diagnostics":{"type":"array","items":{"type":"object"}},)"                                                \
  R"("restarts":{"type":"array","items":{"type":"object"}},)"                                                   \
  R"("logTail":{"type":"string"},)"                                                                             \
  R"("next":{"type":"object","description":"while the deploy runs: the call that waits for its outcome"})"      \
  R"(},"required":["deployId","status"]})"

constexpr std::string_view kToolsList = R"({"tools":[)"
    // deploy
    R"({"name":"deploy","title":"Build and restart the platform",)"
    R"("description":"Builds a scope of the platform and restarts its services, then answers with the outcome: status, errorSummary, diagnostics (file:line of the errors) and the end of the log. Waits up to waitSeconds (default 50); a deploy still running then answers with status and deployId: call deploy_wait with that deployId until it is done. Retrying with the same idempotencyKey joins the same deploy instead of starting another.",)"
    R"("inputSchema":{"type":"object","properties":{)"
    R"("scope":{"type":"string","description":"what to build and restart (default platform); the services tool lists the services, a bad scope's error lists the scopes"},)"
    R"("mode":{"type":"string","enum":["deploy","build","restart"],"description":"deploy (default) builds then restarts; build only builds; restart only restarts"},)"
    R"("reason":{"type":"string","description":"why, kept in the record"},)"
    R"("sessionId":{"type":"string","description":"your session, kept in the record"},)"
    R"("idempotencyKey":{"type":"string","description":"a unique key (e.g. a UUID) so that a retry of this call joins its deploy"},)"
    R"("cancelRunning":{"type":"boolean","description":"cancel a running deploy that this one covers"},)"
    R"("reload":{"type":"boolean","description":"after the build, have both daemons read reship.toml again, so that a service you added to it (and to the scope) starts with this deploy"},)"
    R"("waitSeconds":{"type":"integer","minimum":0,"maximum":50,"description":"how long to wait for the outcome, default 50"})"
    R"(}},"outputSchema":)" RESHIP_RECORD_SCHEMA R"(},)"
    // deploy_wait
    R"({"name":"deploy_wait","title":"Wait for a deploy",)"
    R"("description":"Waits up to waitSeconds (default 50) for a deploy to end and answers with its record. Call it again while status is queued, building or restarting.",)"
    R"("inputSchema":{"type":"object","properties":{)"
    R"("deployId":{"type":"string"},)"
    R"("waitSeconds":{"type":"integer","minimum":0,"maximum":50})"
    R"(},"required":["deployId"]},"outputSchema":)" RESHIP_RECORD_SCHEMA R"(},)"
    // deploy_status
    R"({"name":"deploy_status","title":"A deploy's record",)"
    R"("description":"The record of one deploy as it is now, with the end of its log. deployId may be \"latest\".",)"
    R"("inputSchema":{"type":"object","properties":{"deployId":{"type":"string"}},"required":["deployId"]},)"
    R"("outputSchema":)" RESHIP_RECORD_SCHEMA R"(},)"
    // deploys
    R"({"name":"deploys","title":"Recent deploys",)"
    R"("description":"Recent deploys, newest first, optionally of one status or scope. Pass next as before for the following page.",)"
    R"("inputSchema":{"type":"object","properties":{)"
    R"("status":{"type":"string","enum":["queued","building","restarting","succeeded","failed","cancelled","interrupted"]},)"
    R"("scope":{"type":"string"},"lane":{"type":"string"},)"
    R"("limit":{"type":"integer","minimum":1,"maximum":50,"description":"default 10"},)"
    R"("before":{"type":"string","description":"the next of a previous answer"})"
    R"(}},"outputSchema":{"type":"object","properties":{)"
    R"("deploys":{"type":"array","items":{"type":"object"}},"next":{"type":["string","null"]})"
    R"(},"required":["deploys"]}},)"
    // deploy_cancel
    R"({"name":"deploy_cancel","title":"Cancel a deploy",)"
    R"("description":"Cancels a queued or building deploy (its build is stopped). A deploy restarting services cannot be cancelled.",)"
    R"("inputSchema":{"type":"object","properties":{"deployId":{"type":"string"},"reason":{"type":"string"}},"required":["deployId"]},)"
    R"("outputSchema":)" RESHIP_RECORD_SCHEMA R"(},)"
    // deploy_logs
    R"({"name":"deploy_logs","title":"Read a deploy's log",)"
    R"("description":"Reads a deploy's log in pages of whole lines, each with its line number: from offset (default 0), or the last tail lines, or only the lines matching grep (case-insensitive text; a|b matches either). An answer holds at most limit lines (default 200) and about 20,000 tokens; pass nextOffset as offset for the following page.",)"
    R"("inputSchema":{"type":"object","properties":{)"
    R"("deployId":{"type":"string","description":"a deploy id, or \"latest\""},)"
    R"("offset":{"type":"integer","minimum":0,"description":"byte offset of a line: 0, or the nextOffset of a previous answer"},)"
    R"("limit":{"type":"integer","minimum":1,"maximum":2000},)"
    R"("grep":{"type":"string"},)"
    R"("tail":{"type":"integer","minimum":1,"maximum":2000,"description":"the last N lines instead"})"
    R"(},"required":["deployId"]},)"
    R"("outputSchema":{"type":"object","properties":{)"
    R"("deployId":{"type":"string"},"status":{"type":"string"},)"
    R"("lines":{"type":"array","items":{"type":"object","properties":{"line":{"type":"integer"},"offset":{"type":"integer"},"stream":{"type":"string"},"text":{"type":"string"}}}},)"
    R"("nextOffset":{"type":"integer"},"size":{"type":"integer"},"more":{"type":"boolean"})"
    R"(},"required":["deployId","lines","nextOffset","size","more"]}},)"
    // services
    R"({"name":"services","title":"The platform's services",)"
    R"("description":"What the supervisor runs: each service's state, pid, restarts and last exit.",)"
    R"("inputSchema":{"type":"object","properties":{}},)"
    R"("outputSchema":{"type":"object","properties":{"services":{"type":"array","items":{"type":"object"}}},"required":["services"]}},)"
    // restart
    R"({"name":"restart","title":"Restart services",)"
    R"("description":"Restarts services without building: a scope (as deploy with mode restart: recorded, and safe for reship's own service) or services by name. Answers with each service's result.",)"
    R"("inputSchema":{"type":"object","properties":{)"
    R"("scope":{"type":"string"},)"
    R"("services":{"type":"array","items":{"type":"string"}},)"
    R"("reason":{"type":"string"},)"
    R"("waitSeconds":{"type":"integer","minimum":0,"maximum":50})"
    R"(}},)"
    R"("outputSchema":{"type":"object","properties":{)"
    R"("ok":{"type":["boolean","null"]},"restarts":{"type":"array","items":{"type":"object"}},"deployId":{"type":"string"},"status":{"type":"string"})"
    R"(},"required":["ok","restarts"]}})"
    R"(]})";

#undef RESHIP_RECORD_SCHEMA

constexpr std::array<std::string_view, 8> kTools = {"deploy",      "deploy_wait", "deploy_status", "deploys",
                                                    "deploy_cancel", "deploy_logs", "services",      "restart"};

}  // namespace

std::string_view tools_list_json() { return kToolsList; }

bool is_tool(std::string_view name) {
  for (auto t : kTools) {
    if (t == name) return true;
  }
  return false;
}

}  // namespace reship::mcp
