#include "tests/support/back_fixture.hpp"

#include <catch2/catch.hpp>

#include "tests/support/binaries.hpp"

namespace reship::test {
namespace {

std::string expand(std::string text, int port, bool tcp) {
  const auto replace_all = [&](const std::string& token, const std::string& value) {
    size_t pos = 0;
    while ((pos = text.find(token, pos)) != std::string::npos) {
      text.replace(pos, token.size(), value);
      pos += value.size();
    }
  };
  const std::string listen = tcp ? "[\"unix:run/back.sock\", \"127.0.0.1:" + std::to_string(port) + "\"]"
                                 : "[\"unix:run/back.sock\"]";
  replace_all("@listen", listen);
  replace_all("@port", std::to_string(port));
  replace_all("@back", kBackBin);
  return text;
}

}  // namespace

BackFixture::BackFixture(const std::string& config_toml, bool tcp)
    : port_(tcp ? free_port() : 0), tcp_(tcp), supervisor_(expand(config_toml, port_, tcp)) {}

void BackFixture::write_config(const std::string& config_toml) {
  supervisor_.write_config(expand(config_toml, port_, tcp_));
}

BackFixture::~BackFixture() {
  if (back_) back_->stop();
}

void BackFixture::start_supervisor() { supervisor_.start(); }

void BackFixture::start_back() {
  back_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{kBackBin, "--config", config_path(), "--log-level", "debug"},
      (dir().path() / "back.log").string());
  wait_back_ready();
}

void BackFixture::wait_back_ready(std::chrono::milliseconds timeout) {
  const bool up = wait_until(
      [&] {
        auto c = client();
        if (!c.connected() || !c.get("/healthz")) return false;
        auto r = c.read_response(std::chrono::milliseconds(1000));
        return r && r->status == 200;
      },
      timeout);
  INFO(back_log() << supervisor_.log());
  REQUIRE(up);
}

TestClient BackFixture::client() const { return TestClient::unix_socket(back_socket()); }

std::string BackFixture::back_log() const { return read_file(dir().path() / "back.log"); }

HttpResponse BackFixture::request(const std::string& method, const std::string& target, const std::string& body,
                                  const std::string& extra_headers, std::chrono::milliseconds timeout) {
  auto c = client();
  REQUIRE(c.connected());
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers;
  if (!body.empty() || method == "POST") text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  text += "\r\n" + body;
  REQUIRE(c.send(text));
  auto response = c.read_response(timeout, method == "HEAD");
  INFO(method << " " << target << "\n" << back_log());
  REQUIRE(response.has_value());
  return *response;
}

}  // namespace reship::test
