#include "back/api/metrics.hpp"

#include <cstdio>

namespace reship::api {
namespace {

const std::vector<double> kDurationBounds{1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Label values in the text format escape backslash, quote and newline.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

void Histogram::observe(double value) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) {
      ++counts_[i];
      break;
    }
  }
  ++count_;
  sum_ += value;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += name + "_bucket{le=\"" + number(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
  out += name + "_sum " + number(sum_) + "\n";
  out += name + "_count " + std::to_string(count_) + "\n";
}

Metrics::Metrics() : deploy_seconds_(kDurationBounds), build_seconds_(kDurationBounds) {
  for (auto s : {back::DeployStatus::succeeded, back::DeployStatus::failed, back::DeployStatus::cancelled,
                 back::DeployStatus::interrupted}) {
    deploys_by_status_[back::status_name(s)] = 0;
  }
}

void Metrics::deploy_finished(const back::DeployService::Finished& f) {
  ++deploys_by_status_[back::status_name(f.record.status)];
  if (f.record.started_at) deploy_seconds_.observe(static_cast<double>(f.record.duration_ms) / 1000.0);
  if (f.build_ms) build_seconds_.observe(static_cast<double>(*f.build_ms) / 1000.0);
  for (const auto& r : f.record.restarts) ++restarts_[{r.service, r.ok}];
  ++lane_deploys_[{f.record.lane, back::status_name(f.record.status)}];
  lane_seconds_[f.record.lane] += static_cast<double>(f.record.duration_ms) / 1000.0;
}

void Metrics::http_request(int status) {
  ++http_by_status_[status];
}

std::string Metrics::render(const Gauges& g) const {
  std::string out;
  out += "# HELP reship_deploys_total Deploys that ended, by final status.\n# TYPE reship_deploys_total counter\n";
  for (const auto& [status, n] : deploys_by_status_) {
    out += "reship_deploys_total{status=\"" + status + "\"} " + std::to_string(n) + "\n";
  }
  deploy_seconds_.render(out, "reship_deploy_duration_seconds", "Time from a deploy's start to its end.");
  build_seconds_.render(out, "reship_build_duration_seconds", "Time the build step took.");
  out +=
      "# HELP reship_restarts_total Service restarts asked of the supervisor, by service and outcome.\n"
      "# TYPE reship_restarts_total counter\n";
  for (const auto& [key, n] : restarts_) {
    out += "reship_restarts_total{service=\"" + label(key.first) + "\",ok=\"" + (key.second ? "true" : "false") +
           "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP reship_queue_depth Deploys waiting in the queued slot.\n# TYPE reship_queue_depth gauge\n";
  out += "reship_queue_depth " + std::to_string(g.queue_depth) + "\n";
  out += "# HELP reship_build_running Whether a deploy is running.\n# TYPE reship_build_running gauge\n";
  out += std::string("reship_build_running ") + (g.build_running ? "1" : "0") + "\n";
  out +=
      "# HELP reship_event_subscribers Open SSE and WebSocket subscriptions.\n"
      "# TYPE reship_event_subscribers gauge\n";
  out += "reship_event_subscribers " + std::to_string(g.subscribers) + "\n";
  out += "# HELP reship_event_seq The seq of the last event published.\n# TYPE reship_event_seq gauge\n";
  out += "reship_event_seq " + std::to_string(g.last_event_seq) + "\n";
  out +=
      "# HELP reship_http_requests_total HTTP answers, by status code.\n"
      "# TYPE reship_http_requests_total counter\n";
  for (const auto& [status, n] : http_by_status_) {
    out += "reship_http_requests_total{code=\"" + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP reship_lane_queue_depth Deploys waiting in a lane's queued slot.\n# TYPE reship_lane_queue_depth gauge\n";
  for (const auto& lane : g.lanes) {
    out += "reship_lane_queue_depth{lane=\"" + label(lane.name) + "\"} " + std::to_string(lane.queued) + "\n";
  }
  out += "# HELP reship_lane_running Whether a deploy of the lane runs.\n# TYPE reship_lane_running gauge\n";
  for (const auto& lane : g.lanes) {
    out += "reship_lane_running{lane=\"" + label(lane.name) + "\"} " + (lane.running ? "1" : "0") + "\n";
  }
  out += "# HELP reship_lane_locked Whether the lane is locked (POST /api/v1/lock).\n# TYPE reship_lane_locked gauge\n";
  for (const auto& lane : g.lanes) {
    out += "reship_lane_locked{lane=\"" + label(lane.name) + "\"} " + (lane.locked ? "1" : "0") + "\n";
  }
  out += "# HELP reship_lane_deploys_total Deploys that ended, by lane and final status.\n"
         "# TYPE reship_lane_deploys_total counter\n";
  for (const auto& [key, n] : lane_deploys_) {
    out += "reship_lane_deploys_total{lane=\"" + label(key.first) + "\",status=\"" + key.second + "\"} " +
           std::to_string(n) + "\n";
  }
  out += "# HELP reship_lane_deploy_seconds_total Time deploys of the lane took, summed (with "
         "reship_lane_deploys_total: the mean).\n# TYPE reship_lane_deploy_seconds_total counter\n";
  for (const auto& [lane, seconds] : lane_seconds_) {
    out += "reship_lane_deploy_seconds_total{lane=\"" + label(lane) + "\"} " + number(seconds) + "\n";
  }
  out += "# HELP reship_uptime_seconds Time since reship-back started.\n# TYPE reship_uptime_seconds gauge\n";
  out += "reship_uptime_seconds " + number(static_cast<double>(g.uptime_ms) / 1000.0) + "\n";
  return out;
}

}  // namespace reship::api
