#include "supervisor/readiness_probe.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace reship::supervisor {

int parse_http_status(std::string_view response) {
  const size_t eol = response.find('\n');
  if (eol == std::string_view::npos) return response.size() > 1024 ? -1 : 0;
  const std::string_view line = response.substr(0, eol);
  if (line.substr(0, 7) != "HTTP/1." || line.size() < 12 || line[8] != ' ') return -1;
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return -1;
    code = code * 10 + (line[i] - '0');
  }
  return code;
}

ReadinessProbe::ReadinessProbe(uv_loop_t* loop, const common::Readiness& target, std::function<void()> on_ready)
    : loop_(loop), target_(target), on_ready_(std::move(on_ready)), retry_timer_(loop), attempt_timer_(loop) {
  const std::string host = target_.host == "localhost" ? "127.0.0.1" : target_.host;
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr_);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr_);
  addr_ok_ = host.find(':') != std::string::npos ? uv_ip6_addr(host.c_str(), target_.port, v6) == 0
                                                  : uv_ip4_addr(host.c_str(), target_.port, v4) == 0;
  if (!addr_ok_) {
    last_error_ = "\"" + target_.host + "\" is not an IP address";
    return;
  }
  attempt();
}

void ReadinessProbe::attempt() {
  response_.clear();
  conn_ = common::uv::Stream::tcp(loop_);
  conn_.connect_tcp(reinterpret_cast<const sockaddr*>(&addr_), [this](int status) { on_connected(status); });
  attempt_timer_.start(common::Millis(1000), [this] { retry("no answer within 1s"); });
}

void ReadinessProbe::retry(std::string error) {
  last_error_ = std::move(error);
  conn_.close();
  attempt_timer_.stop();
  retry_timer_.start(common::Millis(delay_ms_), [this] { attempt(); });
  delay_ms_ = std::min(delay_ms_ * 2, 100);
}

void ReadinessProbe::on_connected(int status) {
  if (status != 0) {
    retry(common::uv::uv_error_text(status));
    return;
  }
  if (target_.kind == common::Readiness::Kind::tcp) {
    conn_.close();
    attempt_timer_.stop();
    auto fn = std::move(on_ready_);
    if (fn) fn();  // may destroy this probe
    return;
  }
  conn_.read_start([this](std::string_view data) { on_response(data); },
                   [this](int) {
                     if (response_.empty()) retry("connection closed without an answer");
                     else on_response({});
                   });
  conn_.write("GET " + target_.path + " HTTP/1.1\r\nHost: " + target_.host + ":" + std::to_string(target_.port) +
              "\r\nUser-Agent: reship-supervisor\r\nConnection: close\r\n\r\n");
}

void ReadinessProbe::on_response(std::string_view data) {
  response_.append(data);
  const int status = parse_http_status(response_);
  if (status == 0 && !data.empty()) return;  // status line not complete yet
  if (status >= 200 && status < 300) {
    conn_.close();
    attempt_timer_.stop();
    auto fn = std::move(on_ready_);
    if (fn) fn();  // may destroy this probe
    return;
  }
  retry(status > 0 ? "answered " + std::to_string(status) : "answered something that is not HTTP");
}

}  // namespace reship::supervisor
