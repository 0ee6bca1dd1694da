#pragma once

// The messages of the supervisor's control protocol (contract section 2) as
// plain structs, with the one encoder and decoder of each shared by the
// supervisor (server side) and reship-back and the CLI (client side).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <simdjson.h>

namespace reship::ipc {

inline constexpr int kProtocolVersion = 1;

enum class Op { hello, status, restart, start, stop, subscribe, reload };

/// Error codes of contract 2.3.
namespace code {
inline constexpr const char* bad_json = "bad_json";
inline constexpr const char* bad_request = "bad_request";
inline constexpr const char* unknown_op = "unknown_op";
inline constexpr const char* unknown_scope = "unknown_scope";
inline constexpr const char* unknown_service = "unknown_service";
inline constexpr const char* line_too_long = "line_too_long";
inline constexpr const char* shutting_down = "shutting_down";
inline constexpr const char* forbidden = "forbidden";
}  // namespace code

// ---- requests --------------------------------------------------------------

struct Request {
  std::optional<std::string> id;  // absent or unusable: replies carry "id":null
  Op op = Op::hello;
  std::string client;                 // hello
  std::optional<std::string> scope;   // restart
  std::vector<std::string> services;  // restart, start, stop
  /// reload with "restart":"never": a changed service keeps running the old
  /// definition until its next restart.
  bool defer_restarts = false;
};

/// A request that could not be decoded, with what to answer.
struct RequestError {
  std::optional<std::string> id;
  std::string code;
  std::string message;
};

std::variant<Request, RequestError> decode_request(simdjson::dom::parser& parser, std::string_view line);

std::string encode_hello_request(std::string_view id, std::string_view client);
std::string encode_status_request(std::string_view id);
std::string encode_restart_request(std::string_view id, const std::vector<std::string>& services);
std::string encode_restart_scope_request(std::string_view id, std::string_view scope);
std::string encode_start_stop_request(std::string_view id, Op op, const std::vector<std::string>& services);
std::string encode_subscribe_request(std::string_view id);
std::string encode_reload_request(std::string_view id, bool defer_restarts);

// ---- replies ---------------------------------------------------------------

struct LastExit {
  std::optional<int> code;
  std::optional<std::string> signal;  // "TERM"
  std::string at;                     // ISO-8601
};

/// One of a service's listening sockets (`listen`, issue 18).
struct ServiceSocket {
  std::string address;  ///< as configured
  std::string bound;    ///< as bound: the port the kernel picked for ":0"
  int fd = 3;           ///< its number in the service's processes
};

struct ServiceStatus {
  std::string name;
  std::string state;
  std::optional<int> pid;
  int64_t uptime_ms = 0;
  int64_t restarts = 0;
  bool ready = false;
  std::optional<LastExit> last_exit;
  /// Processes of the service besides its main one (what it forked or
  /// daemonized), where the supervisor tracks it in a cgroup; 0 otherwise.
  int64_t extra_processes = 0;
  std::vector<ServiceSocket> sockets;
  /// A reload changed its definition; the new one applies at its next start.
  bool changed = false;
};

struct SupervisorInfo {
  int pid = 0;
  int64_t uptime_ms = 0;
  std::string version;
};

struct HelloReply {
  std::string server;
  int protocol = kProtocolVersion;
  int pid = 0;
  std::vector<std::string> services;
  std::map<std::string, std::vector<std::string>> scopes;
};

struct StatusReply {
  SupervisorInfo supervisor;
  std::vector<ServiceStatus> services;
};

struct RestartAck {
  std::vector<std::string> services;
};

struct RestartDone {
  std::string service;
  bool ok = false;
  std::optional<int> pid;
  std::optional<int> old_pid;
  int64_t duration_ms = 0;
  std::string error;   // when !ok
  bool killed = false;
  bool exiting = false;  // edge: the supervisor exits next
  std::string output;  // when !ok: the service's last output lines
  std::string mode;    // "stop-first" or "overlap" (restart_mode); "" for edge
};

struct RestartComplete {
  bool ok = false;
  int64_t duration_ms = 0;
};

/// One service's outcome in a start/stop "done".
struct ServiceResult {
  std::string service;
  bool ok = false;
  std::optional<int> pid;
  std::string error;
};

struct OpAck {
  std::string op;
  std::vector<std::string> services;
};

struct OpDone {
  std::string op;
  bool ok = false;
  std::vector<ServiceResult> results;
};

/// What a reload did to one service.
struct ReloadResult {
  std::string service;
  std::string action;  ///< "started", "restarted" or "stopped"
  bool ok = false;
  std::optional<int> pid;
  std::optional<int> old_pid;
  int64_t duration_ms = 0;
  std::string error;   // when !ok
  std::string output;  // when !ok: the service's last output lines
};

/// The one reply to a reload: what changed, or, when the new config does not
/// pass its checks, every problem (and nothing changed).
struct ReloadDone {
  bool ok = false;
  std::vector<std::string> problems;  ///< "PATH:LINE: message"
  std::vector<std::string> started;
  std::vector<std::string> stopped;
  std::vector<std::string> restarted;
  /// Changed, but left running the old definition until their next restart
  /// ("restart":"never").
  std::vector<std::string> changed;
  std::vector<std::string> unchanged;
  /// What the file changes that only a restart of the supervisor applies.
  std::vector<std::string> needs_restart;
  std::vector<ReloadResult> results;
  int64_t duration_ms = 0;
};

struct ServiceState {
  std::string service;
  std::string state;
  std::optional<int> pid;
  std::string at;
};

struct ErrorReply {
  std::string code;
  std::string message;
};

using ReplyBody = std::variant<HelloReply, StatusReply, RestartAck, RestartDone, RestartComplete, OpAck, OpDone,
                               ServiceState, ErrorReply, ReloadDone>;

struct Reply {
  std::optional<std::string> id;
  ReplyBody body;

  /// True for the last reply a request gets (subscribe has none).
  bool is_final() const;
  template <class T>
  const T* as() const {
    return std::get_if<T>(&body);
  }
};

/// Encodes one reply as a JSON line, '\n' included.
std::string encode_reply(const std::optional<std::string>& id, const ReplyBody& body);

/// Decodes a reply line; nullopt when it is not a reply this protocol knows.
std::optional<Reply> decode_reply(simdjson::dom::parser& parser, std::string_view line);

/// A status reply as {"supervisor":{…},"services":[…]}, without id and type (for HTTP).
std::string encode_status_json(const StatusReply& status);

}  // namespace reship::ipc
