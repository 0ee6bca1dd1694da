#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ipc/blocking_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace reship::test {

/// A real reship-supervisor on a socket in a fresh temp dir, started with the
/// given config body ([supervisor] socket is added), stopped with TERM then
/// KILL on destruction.
///
///   SupervisorFixture sup(R"([services.web]
///   command = ["@helper", "sleep"])");
///   auto replies = sup.request(R"({"id":"1","op":"status"})");
///
/// "@helper" in the config stands for the test-helper binary.
class SupervisorFixture {
 public:
  explicit SupervisorFixture(const std::string& services_toml, const std::string& supervisor_toml = "");
  ~SupervisorFixture();

  /// Starts the daemon and waits until its socket answers.
  void start();
  /// Waits for the daemon to exit on its own; returns its exit code (-1 at the deadline).
  int wait_exit(std::chrono::milliseconds timeout);

  /// Sends one request line and returns every reply to it, up to the final
  /// one, each as decoded message and raw text. Fails the test on error.
  struct Replies {
    std::vector<ipc::Reply> messages;
    std::vector<std::string> lines;
    std::string error;  // set by request_on_any_thread() only
    const ipc::Reply& last() const { return messages.back(); }
  };
  Replies request(const std::string& line, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  /// As request(), but for a thread of the test's own: the test framework is
  /// not thread-safe, so this never asserts and reports trouble in `error`.
  Replies request_on_any_thread(const std::string& line, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  /// Writes raw bytes on a fresh connection and returns the lines read until
  /// `done(lines)` holds, the connection closes, or the deadline passes.
  /// Safe on any thread (a failed connect reads as a closed connection).
  std::vector<std::string> exchange(const std::string& bytes,
                                    const std::function<bool(const std::vector<std::string>&)>& done,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(20),
                                    bool* closed = nullptr);
  /// The status of one service.
  ipc::ServiceStatus service(const std::string& name);
  /// Waits until `name` is in `state` (a service not there yet is not).
  bool wait_state(const std::string& name, const std::string& state,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

  const TempDir& dir() const { return dir_; }
  std::string socket() const { return (dir_.path() / "run/sv.sock").string(); }
  std::string config_path() const { return (dir_.path() / "reship.toml").string(); }
  std::string log() const;
  ChildProcess* process() { return process_.get(); }
  /// Rewrites the config (the next start() uses it).
  void write_config(const std::string& services_toml, const std::string& supervisor_toml = "");

 private:
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
};

/// Replaces every "@helper" with the path of the test-helper binary.
std::string with_helper(std::string text);

}  // namespace reship::test
