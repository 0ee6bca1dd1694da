#include "tests/support/supervisor_fixture.hpp"

#include <poll.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <catch2/catch.hpp>

#include "tests/support/binaries.hpp"

namespace reship::test {

std::string with_helper(std::string text) {
  const std::string token = "@helper";
  size_t pos = 0;
  while ((pos = text.find(token, pos)) != std::string::npos) {
    text.replace(pos, token.size(), kHelperBin);
    pos += std::string(kHelperBin).size();
  }
  return text;
}

SupervisorFixture::SupervisorFixture(const std::string& services_toml, const std::string& supervisor_toml) {
  write_config(services_toml, supervisor_toml);
}

void SupervisorFixture::write_config(const std::string& services_toml, const std::string& supervisor_toml) {
  dir_.write("reship.toml", "[supervisor]\nsocket = \"run/sv.sock\"\nstop_timeout = \"2s\"\n" + supervisor_toml + "\n" +
                                with_helper(services_toml));
}

SupervisorFixture::~SupervisorFixture() {
  if (process_) process_->stop();
}

void SupervisorFixture::start() {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{kSupervisorBin, "--config", config_path(), "--log-level", "debug"},
      (dir_.path() / "supervisor.log").string());
  const bool up = wait_until(
      [&] {
        auto client = ipc::BlockingClient::connect(socket());
        return client.ok();
      },
      std::chrono::seconds(10));
  INFO(log());
  REQUIRE(up);
}

int SupervisorFixture::wait_exit(std::chrono::milliseconds timeout) {
  return process_->wait(timeout);
}

std::string SupervisorFixture::log() const {
  return read_file(dir_.path() / "supervisor.log");
}

SupervisorFixture::Replies SupervisorFixture::request(const std::string& line, std::chrono::milliseconds timeout) {
  auto replies = request_on_any_thread(line, timeout);
  INFO(replies.error << "\n" << log());
  REQUIRE(replies.error.empty());
  return replies;
}

SupervisorFixture::Replies SupervisorFixture::request_on_any_thread(const std::string& line,
                                                                    std::chrono::milliseconds timeout) {
  Replies replies;
  simdjson::dom::parser parser;
  std::string_view id;
  if (parser.parse(line)["id"].get_string().get(id) != simdjson::SUCCESS) {
    replies.error = "the request has no string id: " + line;
    return replies;
  }
  auto client = ipc::BlockingClient::connect(socket());
  if (!client.ok()) {
    replies.error = "cannot connect: " + client.error().message;
    return replies;
  }
  auto final_reply = client->request(
      line + "\n", id,
      [&](const ipc::Reply& r) {
        replies.messages.push_back(r);
        replies.lines.push_back(ipc::encode_reply(r.id, r.body));
      },
      std::chrono::duration_cast<common::Millis>(timeout));
  if (!final_reply.ok()) replies.error = final_reply.error().message;
  return replies;
}

std::vector<std::string> SupervisorFixture::exchange(const std::string& bytes,
                                                     const std::function<bool(const std::vector<std::string>&)>& done,
                                                     std::chrono::milliseconds timeout, bool* closed) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = socket();
  std::memcpy(addr.sun_path, path.data(), path.size());
  std::vector<std::string> lines;
  if (closed != nullptr) *closed = false;
  // No test-framework macros here: tests call this from their own threads.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    if (closed != nullptr) *closed = true;
    return lines;
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string partial;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(lines)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      if (closed != nullptr) *closed = true;
      break;
    }
    partial.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = partial.find('\n')) != std::string::npos) {
      lines.push_back(partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
  }
  ::close(fd);
  return lines;
}

ipc::ServiceStatus SupervisorFixture::service(const std::string& name) {
  auto replies = request(R"({"id":"st","op":"status"})");
  const auto* status = replies.last().as<ipc::StatusReply>();
  REQUIRE(status != nullptr);
  for (const auto& s : status->services) {
    if (s.name == name) return s;
  }
  FAIL("no service " << name);
  return {};
}

bool SupervisorFixture::wait_state(const std::string& name, const std::string& state,
                                   std::chrono::milliseconds timeout) {
  // A service the supervisor does not have (yet: a reload adds it) is not
  // in that state.
  return wait_until(
      [&] {
        auto replies = request(R"({"id":"st","op":"status"})");
        const auto* status = replies.last().as<ipc::StatusReply>();
        if (status == nullptr) return false;
        for (const auto& s : status->services) {
          if (s.name == name) return s.state == state;
        }
        return false;
      },
      timeout);
}

}  // namespace reship::test
