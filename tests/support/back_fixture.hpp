#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "tests/http/http_client.hpp"
#include "tests/support/supervisor_fixture.hpp"

namespace reship::test {

/// A real reship-back (and, when asked, a real reship-supervisor) on sockets
/// in a fresh temp dir. reship-back listens on a Unix socket (no port to
/// race for) and, with `tcp`, on a free loopback port.
///
/// The config body is written after a [supervisor] section; "@helper" is the
/// test-helper binary, "@back" the reship-back binary, "@listen" the listen
/// list and "@port" the TCP port.
class BackFixture {
 public:
  explicit BackFixture(const std::string& config_toml, bool tcp = false);
  ~BackFixture();

  /// Starts reship-supervisor (whose services may include reship-back).
  void start_supervisor();
  /// Starts reship-back as a process of the test, and waits for /healthz.
  void start_back();
  /// Waits until /healthz answers (reship-back started by the supervisor).
  void wait_back_ready(std::chrono::milliseconds timeout = std::chrono::seconds(15));

  TestClient client() const;
  /// One request on a fresh connection; fails the test when no answer comes.
  HttpResponse request(const std::string& method, const std::string& target, const std::string& body = "",
                       const std::string& extra_headers = "",
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

  SupervisorFixture& supervisor() { return supervisor_; }
  ChildProcess* back() { return back_.get(); }
  std::string back_socket() const { return (supervisor_.dir().path() / "run/back.sock").string(); }
  std::string back_log() const;
  std::string config_path() const { return supervisor_.config_path(); }
  /// Rewrites the config (expanded as the constructor's), for a reload or
  /// the next start.
  void write_config(const std::string& config_toml);
  int port() const { return port_; }
  const TempDir& dir() const { return supervisor_.dir(); }

 private:
  int port_ = 0;
  bool tcp_ = false;
  SupervisorFixture supervisor_;
  std::unique_ptr<ChildProcess> back_;
};

}  // namespace reship::test
