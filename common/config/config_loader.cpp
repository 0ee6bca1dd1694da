// The only file that sees TOML: it turns reship.toml into the plain structs of
// config.hpp and reports every problem as "PATH:LINE: message".

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <span>
#include <sstream>

#include <toml++/toml.h>

#include "common/config/config.hpp"
#include "common/config/toml_guard.hpp"

namespace reship::common {
namespace {

namespace fs = std::filesystem;

using Known = std::span<const std::string_view>;

constexpr std::string_view kTopKeys[] = {"supervisor", "services", "scopes", "back", "builds", "tokens", "lanes"};
constexpr std::string_view kSupervisorKeys[] = {"socket", "socket_mode", "stop_timeout", "self_restart_exit_code",
                                                "allow_uids"};
constexpr std::string_view kServiceKeys[] = {"command",       "cwd",         "env",          "restart",   "ready",
                                             "ready_timeout", "stop_signal", "stop_timeout", "autostart", "user",
                                             "listen",        "restart_mode"};
constexpr std::string_view kBackKeys[] = {"listen",         "state_dir",     "workdir",        "service",
                                          "log_tail_bytes", "build_timeout", "covers",         "keep_logs",
                                          "header_timeout", "idle_timeout",  "max_connections", "build_memory_max",
                                          "max_parallel_builds"};
constexpr std::string_view kTokenKeys[] = {"name", "sha256", "scopes", "unrestricted"};

constexpr size_t kMaxLogTailBytes = 1024 * 1024;

// Edit distance, to suggest the key a typo meant.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string join(Known words) {
  std::string out;
  for (auto w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Loader {
 public:
  Loader(std::string file, fs::path dir) : file_(std::move(file)), dir_(std::move(dir)) {}

  ConfigLoad load(std::string_view text) {
    // The TOML library only ever sees ASCII (see toml_guard.hpp).
    const AsciiToml ascii = make_ascii_toml(text);
    if (ascii.hazard) {
      problems_.push_back({file_, ascii.hazard->line, "TOML syntax error: " + ascii.hazard->message});
      return {std::nullopt, std::move(problems_)};
    }
    toml::table root;
    try {
      root = toml::parse(ascii.text, file_);
    } catch (const toml::parse_error& e) {
      problems_.push_back(
          {file_, static_cast<int>(e.source().begin.line), "TOML syntax error: " + std::string(e.description())});
      return {std::nullopt, std::move(problems_)};
    }
    Config config;
    config.file = dir_ / fs::path(file_).filename();
    config.dir = dir_;
    check_keys(root, "", kTopKeys);
    load_supervisor(root, config);
    load_services(root, config);
    load_scopes(root, config);
    load_back(root, config);
    load_builds(root, config);
    load_tokens(root, config);
    load_lanes(root, config);
    if (!problems_.empty()) {
      // In file order, as a reader fixes them.
      std::stable_sort(problems_.begin(), problems_.end(),
                       [](const ConfigProblem& a, const ConfigProblem& b) { return a.line < b.line; });
      return {std::nullopt, std::move(problems_)};
    }
    return {std::move(config), {}};
  }

 private:
  void problem(int line, std::string message) { problems_.push_back({file_, line, std::move(message)}); }
  void problem(const toml::node& node, std::string message) { problem(line_of(node), std::move(message)); }

  static int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

  static std::string where(std::string_view table, std::string_view key) {
    if (table.empty()) return std::string(key);
    return std::string(table) + "." + std::string(key);
  }

  void check_keys(const toml::table& table, std::string_view table_name, Known known) {
    for (auto&& [key, node] : table) {
      const std::string_view k = key.str();
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      std::string message = table_name.empty()
                                ? "unknown section \"" + std::string(k) + "\""
                                : "unknown key \"" + std::string(k) + "\" in [" + std::string(table_name) + "]";
      if (k == "token" && table_name.find("tokens") == 0) {
        message += ": store only the token's hash, as sha256 = \"<hex>\" (printf %s TOKEN | sha256sum)";
      } else {
        std::string_view best;
        size_t best_distance = 3;
        for (auto candidate : known) {
          const size_t d = edit_distance(k, candidate);
          if (d < best_distance) {
            best_distance = d;
            best = candidate;
          }
        }
        if (!best.empty()) {
          message += "; did you mean \"" + std::string(best) + "\"?";
        } else {
          message += " (known: " + join(known) + ")";
        }
      }
      problem(static_cast<int>(key.source().begin.line), std::move(message));
    }
  }

  const toml::table* get_table(const toml::table& parent, std::string_view key, std::string_view name) {
    const toml::node* node = parent.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      problem(*node, "[" + std::string(name) + "] must be a table");
      return nullptr;
    }
    return node->as_table();
  }

  std::optional<std::string> get_string(const toml::table& t, std::string_view key, std::string_view table) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_string()) {
      problem(*node, where(table, key) + " must be a string");
      return std::nullopt;
    }
    return node->as_string()->get();
  }

  std::optional<bool> get_bool(const toml::table& t, std::string_view key, std::string_view table) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_boolean()) {
      problem(*node, where(table, key) + " must be true or false");
      return std::nullopt;
    }
    return node->as_boolean()->get();
  }

  std::optional<int64_t> get_int(const toml::table& t, std::string_view key, std::string_view table, int64_t lo,
                                 int64_t hi) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_integer()) {
      problem(*node, where(table, key) + " must be an integer");
      return std::nullopt;
    }
    const int64_t v = node->as_integer()->get();
    if (v < lo || v > hi) {
      problem(*node, where(table, key) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                         " (got " + std::to_string(v) + ")");
      return std::nullopt;
    }
    return v;
  }

  std::optional<Millis> get_duration(const toml::table& t, std::string_view key, std::string_view table) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_string()) {
      problem(*node, where(table, key) + " must be a duration string such as \"10s\"");
      return std::nullopt;
    }
    auto parsed = parse_duration(node->as_string()->get());
    if (!parsed) {
      problem(*node, where(table, key) + ": " + parsed.error().message);
      return std::nullopt;
    }
    if (parsed->count() <= 0) {
      problem(*node, where(table, key) + " must be longer than 0");
      return std::nullopt;
    }
    return *parsed;
  }

  // An array of strings; `allow_empty` false makes [] an error.
  std::optional<std::vector<std::string>> get_strings(const toml::node& node, const std::string& what,
                                                      bool allow_empty) {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
      problem(node, what + " must be an array of strings");
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const toml::node& item : *array) {
      if (!item.is_string()) {
        problem(item, what + " must contain only strings");
        return std::nullopt;
      }
      out.push_back(item.as_string()->get());
    }
    if (out.empty() && !allow_empty) {
      problem(node, what + " must not be empty");
      return std::nullopt;
    }
    return out;
  }

  fs::path resolve(const std::string& path) const {
    fs::path p(path);
    fs::path full = (p.is_absolute() ? p : dir_ / p).lexically_normal();
    // "dir/." normalizes to "dir/"; drop the trailing slash so that paths compare and print plainly.
    if (!full.has_filename() && full.has_parent_path() && full != full.root_path()) full = full.parent_path();
    return full;
  }

  void load_supervisor(const toml::table& root, Config& config) {
    auto& sup = config.supervisor;
    sup.socket = resolve("run/supervisor.sock");
    const toml::table* t = get_table(root, "supervisor", "supervisor");
    if (t == nullptr) return;
    check_keys(*t, "supervisor", kSupervisorKeys);
    if (auto socket = get_string(*t, "socket", "supervisor")) {
      if (socket->empty()) {
        problem(*t->get("socket"), "supervisor.socket must not be empty");
      } else {
        sup.socket = resolve(*socket);
      }
    }
    if (const toml::node* mode = t->get("socket_mode")) {
      if (auto m = parse_mode(*mode)) sup.socket_mode = *m;
    }
    if (auto d = get_duration(*t, "stop_timeout", "supervisor")) sup.stop_timeout = *d;
    if (auto code = get_int(*t, "self_restart_exit_code", "supervisor", 1, 255)) {
      sup.self_restart_exit_code = static_cast<int>(*code);
    }
    if (const toml::node* uids = t->get("allow_uids")) {
      const toml::array* array = uids->as_array();
      if (array == nullptr) {
        problem(*uids, "supervisor.allow_uids must be an array of user ids");
      } else {
        for (const toml::node& uid : *array) {
          if (!uid.is_integer() || uid.as_integer()->get() < 0) {
            problem(uid, "supervisor.allow_uids must contain only non-negative integers");
          } else {
            sup.allow_uids.push_back(static_cast<uid_t>(uid.as_integer()->get()));
          }
        }
      }
    }
  }

  std::optional<unsigned> parse_mode(const toml::node& node) {
    // "0600" as a string (as the contract writes it) or 0o600 as a TOML integer.
    int64_t value = -1;
    if (node.is_string()) {
      const std::string& s = node.as_string()->get();
      if (!s.empty() && s.size() <= 4 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        value = std::stol(s, nullptr, 8);
      }
    } else if (node.is_integer()) {
      value = node.as_integer()->get();
    }
    if (value < 0 || value > 0777) {
      problem(node, "supervisor.socket_mode must be an octal file mode such as \"0600\"");
      return std::nullopt;
    }
    return static_cast<unsigned>(value);
  }

  void load_services(const toml::table& root, Config& config) {
    const toml::table* services = get_table(root, "services", "services");
    if (services == nullptr) return;
    std::vector<std::pair<int, ServiceConfig>> ordered;
    for (auto&& [key, node] : *services) {
      const std::string name(key.str());
      const int line = static_cast<int>(key.source().begin.line);
      const std::string table = "services." + name;
      if (name == kEdge) {
        problem(line, "\"edge\" is reserved for the supervisor itself; give the service another name");
        continue;
      }
      if (!valid_name(name)) {
        problem(line, "service name \"" + name + "\" must be 1-64 letters, digits, '-', '_' or '.'");
        continue;
      }
      if (!node.is_table()) {
        problem(node, "[" + table + "] must be a table");
        continue;
      }
      ordered.emplace_back(line, load_service(name, *node.as_table(), config.supervisor));
    }
    std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [line, service] : ordered) config.services.push_back(std::move(service));
    check_shared_sockets(config);
  }

  // Two services cannot both be handed the one socket.
  void check_shared_sockets(const Config& config) {
    for (size_t i = 0; i < config.services.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        for (const auto& a : config.services[i].listen) {
          for (const auto& b : config.services[j].listen) {
            if (same_address(a, b)) {
              problem(a.line, "services." + config.services[i].name + ".listen: " + a.text +
                                  " is already the socket of services." + config.services[j].name);
            }
          }
        }
      }
    }
  }

  ServiceConfig load_service(const std::string& name, const toml::table& t, const SupervisorConfig& sup) {
    const std::string table = "services." + name;
    ServiceConfig s;
    s.name = name;
    s.cwd = dir_;
    s.stop_timeout = sup.stop_timeout;
    check_keys(t, table, kServiceKeys);
    if (const toml::node* command = t.get("command")) {
      if (auto argv = get_strings(*command, table + ".command", false)) s.command = std::move(*argv);
    } else {
      problem(line_of(t), "[" + table + "] needs a command, e.g. command = [\"node\", \"server.js\"]");
    }
    if (auto cwd = get_string(t, "cwd", table)) s.cwd = resolve(*cwd);
    if (const toml::node* env = t.get("env")) {
      if (!env->is_table()) {
        problem(*env, table + ".env must be a table, e.g. env = { PORT = \"3002\" }");
      } else {
        for (auto&& [var, value] : *env->as_table()) {
          if (!value.is_string()) {
            problem(value, table + ".env." + std::string(var.str()) + " must be a string (quote it)");
            continue;
          }
          s.env.emplace_back(std::string(var.str()), value.as_string()->get());
        }
      }
    }
    if (auto restart = get_string(t, "restart", table)) {
      if (*restart == "always") {
        s.restart = RestartPolicy::always;
      } else if (*restart == "on-failure") {
        s.restart = RestartPolicy::on_failure;
      } else if (*restart == "never") {
        s.restart = RestartPolicy::never;
      } else {
        problem(*t.get("restart"),
                table + ".restart must be \"always\", \"on-failure\" or \"never\" (got \"" + *restart + "\")");
      }
    }
    if (auto ready = get_string(t, "ready", table)) {
      if (auto parsed = parse_ready(*ready)) {
        s.ready = std::move(*parsed);
      } else {
        problem(*t.get("ready"), table + ".ready \"" + *ready +
                                     "\" is not one of: none, notify, tcp://HOST:PORT, http://HOST:PORT/PATH "
                                     "(HOST: an IP address or localhost)");
      }
    }
    if (auto d = get_duration(t, "ready_timeout", table)) s.ready_timeout = *d;
    if (auto sig = get_string(t, "stop_signal", table)) {
      const int number = signal_from_name(*sig);
      if (number == 0) {
        problem(*t.get("stop_signal"),
                table + ".stop_signal \"" + *sig + "\" is not a signal name such as TERM, INT, QUIT or HUP");
      } else {
        s.stop_signal = number;
      }
    }
    if (auto d = get_duration(t, "stop_timeout", table)) s.stop_timeout = *d;
    if (auto autostart = get_bool(t, "autostart", table)) s.autostart = *autostart;
    if (auto user = get_string(t, "user", table)) s.user = *user;
    load_service_sockets(t, table, s);
    return s;
  }

  // listen and restart_mode (issue 18).
  void load_service_sockets(const toml::table& t, const std::string& table, ServiceConfig& s) {
    if (const toml::node* listen = t.get("listen")) {
      if (auto entries = get_strings(*listen, table + ".listen", false)) {
        for (size_t i = 0; i < entries->size(); ++i) {
          const toml::node& item = *listen->as_array()->get(i);
          auto address = parse_service_listen((*entries)[i]);
          if (!address) {
            problem(item, table + ".listen entry \"" + (*entries)[i] +
                              "\" is not tcp://HOST:PORT or unix:PATH (HOST: an IP address or localhost, "
                              "[...] around IPv6; PATH: under 108 bytes)");
            continue;
          }
          address->line = line_of(item);
          for (const auto& other : s.listen) {
            if (same_address(other, *address)) problem(item, table + ".listen names " + address->text + " twice");
          }
          s.listen.push_back(std::move(*address));
        }
      }
    }
    if (auto mode = get_string(t, "restart_mode", table)) {
      if (*mode == "stop-first") {
        s.restart_mode = RestartMode::stop_first;
      } else if (*mode == "overlap") {
        s.restart_mode = RestartMode::overlap;
        check_overlap_readiness(*t.get("restart_mode"), table, s);
      } else {
        problem(*t.get("restart_mode"),
                table + ".restart_mode must be \"stop-first\" or \"overlap\" (got \"" + *mode + "\")");
      }
    }
  }

  // While both run, a probe of a shared socket may be answered by the old
  // process: it would call the new one ready before it is.
  void check_overlap_readiness(const toml::node& node, const std::string& table, const ServiceConfig& s) {
    const Readiness& r = s.ready;
    if (r.kind == Readiness::Kind::none) {
      problem(node, table + ": restart_mode = \"overlap\" stops the old process once the new one is ready, so it "
                           "needs a ready check: ready = \"notify\" (or a probe of an address only the new "
                           "process serves)");
      return;
    }
    if (r.kind != Readiness::Kind::tcp && r.kind != Readiness::Kind::http) return;
    for (const auto& a : s.listen) {
      if (!a.is_unix && a.port != 0 && a.port == r.port) {
        problem(node, table + ": restart_mode = \"overlap\" with ready = \"" + r.text + "\" probes " + a.text +
                          ", which the old process still serves during the overlap: use ready = \"notify\" (or "
                          "probe an address only the new process serves)");
        return;
      }
    }
  }

  static bool same_address(const ListenAddress& a, const ListenAddress& b) {
    if (a.is_unix != b.is_unix) return false;
    if (a.is_unix) return a.path == b.path;
    return a.port != 0 && a.port == b.port && a.host == b.host;
  }

  // "tcp://127.0.0.1:3002", "tcp://[::1]:3002", "tcp://localhost:3002" (bound
  // as 127.0.0.1: no resolver), "unix:run/web.sock" (relative to the config's
  // folder). Port 0 lets the kernel pick one (reship ps shows it).
  std::optional<ListenAddress> parse_service_listen(const std::string& text) const {
    if (text.rfind("unix:", 0) == 0) {
      auto a = parse_listen(text);
      if (a && a->path.string().size() >= 108) return std::nullopt;  // sun_path
      return a;
    }
    if (text.rfind("tcp://", 0) != 0) return std::nullopt;
    auto hp = split_host_port(text.substr(6));
    if (!hp || !ip_or_localhost(hp->first)) return std::nullopt;
    ListenAddress a;
    a.text = text;
    a.host = hp->first == "localhost" ? "127.0.0.1" : hp->first;
    a.port = hp->second;
    return a;
  }

  static std::optional<Readiness> parse_ready(const std::string& text) {
    Readiness r;
    r.text = text;
    if (text == "none") return r;
    if (text == "notify") {
      r.kind = Readiness::Kind::notify;
      return r;
    }
    std::string rest;
    if (text.rfind("tcp://", 0) == 0) {
      r.kind = Readiness::Kind::tcp;
      rest = text.substr(6);
    } else if (text.rfind("http://", 0) == 0) {
      r.kind = Readiness::Kind::http;
      rest = text.substr(7);
    } else {
      return std::nullopt;
    }
    const size_t slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    r.path = slash == std::string::npos ? "/" : rest.substr(slash);
    if (r.kind == Readiness::Kind::tcp && slash != std::string::npos) return std::nullopt;
    auto hp = split_host_port(authority);
    // Probes connect to an address, without a resolver: an IP or localhost.
    if (!hp || !ip_or_localhost(hp->first)) return std::nullopt;
    r.host = hp->first;
    r.port = hp->second;
    return r;
  }

  // Addresses used without a resolver.
  static bool ip_or_localhost(const std::string& host) {
    unsigned char buf[sizeof(in6_addr)];
    return host == "localhost" || ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
  }

  // "127.0.0.1:80", "[::1]:80", "localhost:80"
  static std::optional<std::pair<std::string, int>> split_host_port(const std::string& text) {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size()) return std::nullopt;
    std::string host = text.substr(0, colon);
    if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string port_text = text.substr(colon + 1);
    if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(), ::isdigit)) return std::nullopt;
    const int port = std::stoi(port_text);
    if (port < 0 || port > 65535 || host.empty()) return std::nullopt;
    return std::make_pair(host, port);
  }

  void load_scopes(const toml::table& root, Config& config) {
    const toml::table* scopes = get_table(root, "scopes", "scopes");
    if (scopes == nullptr) return;
    for (auto&& [key, node] : *scopes) {
      const std::string name(key.str());
      if (!valid_name(name)) {
        problem(static_cast<int>(key.source().begin.line),
                "scope name \"" + name + "\" must be 1-64 letters, digits, '-', '_' or '.'");
        continue;
      }
      auto members = get_strings(node, "scopes." + name, false);
      if (!members) continue;
      std::set<std::string> seen;
      for (size_t i = 0; i < members->size(); ++i) {
        const std::string& member = (*members)[i];
        const toml::node& item = *node.as_array()->get(i);
        if (!seen.insert(member).second) {
          problem(item, "scopes." + name + " lists \"" + member + "\" twice");
        } else if (member != kEdge && config.find_service(member) == nullptr) {
          problem(item, "scopes." + name + " names unknown service \"" + member +
                            "\" (services: " + service_names(config) + ")");
        }
      }
      config.scopes[name] = std::move(*members);
    }
  }

  static std::string service_names(const Config& config) {
    std::string out;
    for (const auto& s : config.services) out += (out.empty() ? "" : ", ") + s.name;
    return out.empty() ? "none defined" : out;
  }

  static std::string scope_names(const Config& config) {
    std::string out;
    for (const auto& [name, members] : config.scopes) out += (out.empty() ? "" : ", ") + name;
    return out.empty() ? "none defined" : out;
  }

  void load_back(const toml::table& root, Config& config) {
    auto& back = config.back;
    back.state_dir = resolve("state");
    back.workdir = resolve(".");
    const toml::table* t = get_table(root, "back", "back");
    if (t != nullptr) {
      check_keys(*t, "back", kBackKeys);
      if (const toml::node* listen = t->get("listen")) {
        if (auto entries = get_strings(*listen, "back.listen", false)) {
          for (size_t i = 0; i < entries->size(); ++i) {
            auto address = parse_listen((*entries)[i]);
            if (address) address->line = line_of(*listen->as_array()->get(i));
            if (!address) {
              problem(*listen->as_array()->get(i), "back.listen entry \"" + (*entries)[i] +
                                                       "\" must be HOST:PORT (e.g. 127.0.0.1:7070) or unix:PATH");
              continue;
            }
            back.listen.push_back(std::move(*address));
          }
        }
      }
      if (auto dir = get_string(*t, "state_dir", "back")) back.state_dir = resolve(*dir);
      if (auto dir = get_string(*t, "workdir", "back")) back.workdir = resolve(*dir);
      if (auto service = get_string(*t, "service", "back")) {
        // "" says reship-back is not one of the supervisor's services (it
        // runs as a systemd unit of its own, say).
        if (!service->empty() && config.find_service(*service) == nullptr) {
          problem(*t->get("service"),
                  "back.service names unknown service \"" + *service + "\" (services: " + service_names(config) + ")");
        } else {
          back.service = *service;
        }
      }
      if (auto n = get_int(*t, "log_tail_bytes", "back", 1, static_cast<int64_t>(kMaxLogTailBytes))) {
        back.log_tail_bytes = static_cast<size_t>(*n);
      }
      if (auto d = get_duration(*t, "build_timeout", "back")) back.build_timeout = *d;
      if (auto n = get_int(*t, "build_memory_max", "back", 1024 * 1024, int64_t{1} << 50)) {
        back.build_memory_max = static_cast<uint64_t>(*n);
      }
      if (auto n = get_int(*t, "keep_logs", "back", 1, 1'000'000)) back.keep_logs = static_cast<size_t>(*n);
      if (auto d = get_duration(*t, "header_timeout", "back")) back.header_timeout = *d;
      if (auto d = get_duration(*t, "idle_timeout", "back")) back.idle_timeout = *d;
      if (auto n = get_int(*t, "max_connections", "back", 1, 1'000'000)) back.max_connections = static_cast<size_t>(*n);
      if (auto n = get_int(*t, "max_parallel_builds", "back", 1, 1024)) {
        back.max_parallel_builds = static_cast<size_t>(*n);
      }
      if (const toml::node* covers = t->get("covers")) load_covers(*covers, config);
    }
    if (back.listen.empty()) back.listen.push_back(*parse_listen("127.0.0.1:7070"));
  }

  void load_covers(const toml::node& node, Config& config) {
    if (!node.is_table()) {
      problem(node, "back.covers must be a table, e.g. covers = { all = [\"platform\"] }");
      return;
    }
    for (auto&& [key, value] : *node.as_table()) {
      const std::string scope(key.str());
      const int line = static_cast<int>(key.source().begin.line);
      if (config.find_scope(scope) == nullptr) {
        problem(line, "back.covers names unknown scope \"" + scope + "\" (scopes: " + scope_names(config) + ")");
        continue;
      }
      auto covered = get_strings(value, "back.covers." + scope, true);
      if (!covered) continue;
      for (const auto& c : *covered) {
        if (config.find_scope(c) == nullptr) {
          problem(value,
                  "back.covers." + scope + " names unknown scope \"" + c + "\" (scopes: " + scope_names(config) + ")");
        }
      }
      config.back.covers[scope] = std::move(*covered);
    }
  }

  std::optional<ListenAddress> parse_listen(const std::string& text) const {
    ListenAddress a;
    a.text = text;
    if (text.rfind("unix:", 0) == 0) {
      if (text.size() <= 5) return std::nullopt;
      a.is_unix = true;
      a.path = resolve(text.substr(5));
      return a;
    }
    auto hp = split_host_port(text);
    if (!hp) return std::nullopt;
    a.host = hp->first;
    a.port = hp->second;
    return a;
  }

  void load_builds(const toml::table& root, Config& config) {
    const toml::table* builds = get_table(root, "builds", "builds");
    if (builds == nullptr) return;
    for (auto&& [key, node] : *builds) {
      const std::string scope(key.str());
      if (config.find_scope(scope) == nullptr) {
        problem(static_cast<int>(key.source().begin.line),
                "build for unknown scope \"" + scope + "\" (scopes: " + scope_names(config) + ")");
        continue;
      }
      if (auto argv = get_strings(node, "builds." + scope, false)) config.builds[scope] = std::move(*argv);
    }
  }

  // [lanes]: every scope in exactly one lane, once there is a [lanes].
  void load_lanes(const toml::table& root, Config& config) {
    const toml::table* lanes = get_table(root, "lanes", "lanes");
    if (lanes == nullptr) return;
    std::map<std::string, std::string> lane_of;
    for (auto&& [key, node] : *lanes) {
      const std::string name(key.str());
      if (!valid_name(name)) {
        problem(static_cast<int>(key.source().begin.line),
                "lane name \"" + name + "\" must be 1-64 letters, digits, '-', '_' or '.'");
        continue;
      }
      auto scopes = get_strings(node, "lanes." + name, false);
      if (!scopes) continue;
      for (size_t i = 0; i < scopes->size(); ++i) {
        const std::string& scope = (*scopes)[i];
        const toml::node& item = *node.as_array()->get(i);
        if (config.find_scope(scope) == nullptr) {
          problem(item, "lanes." + name + " names unknown scope \"" + scope + "\" (scopes: " + scope_names(config) + ")");
        } else if (auto [it, fresh] = lane_of.emplace(scope, name); !fresh) {
          problem(item, "scope \"" + scope + "\" is in two lanes, " + it->second + " and " + name +
                            "; a scope's deploys queue in one lane");
        }
      }
      config.lanes[name] = std::move(*scopes);
    }
    if (config.lanes.empty()) {
      problem(*lanes, "[lanes] lists no lane; remove it for one lane of every scope, or name lanes like "
                      "platform = [\"platform\", \"all\"]");
      return;
    }
    for (const auto& [scope, members] : config.scopes) {
      if (lane_of.count(scope) == 0) {
        problem(*lanes, "scope \"" + scope + "\" is in no lane; with [lanes], every scope needs one (lanes: " +
                            [&] {
                              std::string out;
                              for (const auto& [n, s] : config.lanes) out += (out.empty() ? "" : ", ") + n;
                              return out;
                            }() +
                            ")");
      }
    }
  }

  void load_tokens(const toml::table& root, Config& config) {
    const toml::node* node = root.get("tokens");
    if (node == nullptr) return;
    const toml::array* tokens = node->as_array();
    if (tokens == nullptr) {
      problem(*node, "tokens must be written as [[tokens]] tables");
      return;
    }
    std::set<std::string> names;
    for (const toml::node& entry : *tokens) {
      if (!entry.is_table()) {
        problem(entry, "tokens must be written as [[tokens]] tables");
        continue;
      }
      const toml::table& t = *entry.as_table();
      check_keys(t, "tokens", kTokenKeys);
      TokenConfig token;
      if (auto name = get_string(t, "name", "tokens")) token.name = *name;
      if (token.name.empty()) {
        problem(entry, "[[tokens]] needs a name (it becomes requestedBy in deploy records)");
      } else if (!names.insert(token.name).second) {
        problem(entry, "token name \"" + token.name + "\" is used twice");
      }
      const std::string label = token.name.empty() ? "[[tokens]]" : "token \"" + token.name + "\"";
      if (auto hash = get_string(t, "sha256", "tokens")) {
        if (!parse_hash(*hash, token.sha256)) {
          problem(*t.get("sha256"), label + ": sha256 must be 64 hex digits (printf %s TOKEN | sha256sum)");
        }
      } else if (t.get("sha256") == nullptr) {
        problem(entry, label + " has no sha256: store the token's hash (printf %s TOKEN | sha256sum)");
      }
      if (const toml::node* scopes = t.get("scopes")) {
        if (auto list = get_strings(*scopes, label + " scopes", true)) {
          for (const auto& scope : *list) {
            if (config.find_scope(scope) == nullptr) {
              problem(*scopes, label + " names unknown scope \"" + scope + "\" (scopes: " + scope_names(config) + ")");
            }
          }
          token.scopes = std::move(*list);
        }
      } else {
        problem(entry, label + " has no scopes: list the scopes it may deploy, e.g. scopes = [\"platform\"]");
      }
      if (auto unrestricted = get_bool(t, "unrestricted", "tokens")) token.unrestricted = *unrestricted;
      config.tokens.push_back(std::move(token));
    }
  }

  static bool parse_hash(const std::string& hex, std::array<unsigned char, 32>& out) {
    if (hex.size() != 64) return false;
    for (size_t i = 0; i < 32; ++i) {
      const int hi = hex_value(hex[2 * i]);
      const int lo = hex_value(hex[2 * i + 1]);
      if (hi < 0 || lo < 0) return false;
      out[i] = static_cast<unsigned char>(hi * 16 + lo);
    }
    return true;
  }

  std::string file_;
  fs::path dir_;
  std::vector<ConfigProblem> problems_;
};

}  // namespace

ConfigLoad load_config_text(std::string_view text, const fs::path& file) {
  const fs::path absolute = fs::absolute(file).lexically_normal();
  Loader loader(file.string(), absolute.parent_path());
  return loader.load(text);
}

ConfigLoad load_config(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    ConfigLoad result;
    std::error_code ec;
    const std::string why = fs::exists(file, ec) ? "cannot read it (check its permissions)"
                                                 : "no such file (pass --config PATH or set RESHIP_CONFIG)";
    result.problems.push_back({file.string(), 0, "cannot open config: " + why});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_config_text(text.str(), file);
}

}  // namespace reship::common
