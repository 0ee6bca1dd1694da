#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "back/engine/deploy_service.hpp"

namespace reship::api {

/// A Prometheus histogram with fixed bucket bounds (seconds).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {}
  void observe(double value);
  /// Appends the _bucket, _sum and _count lines of `name`.
  void render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative
  uint64_t count_ = 0;
  double sum_ = 0;
};

/// Counters and histograms of reship-back, in Prometheus text format
/// (GET /metrics).
class Metrics {
 public:
  Metrics();

  void deploy_finished(const back::DeployService::Finished& finished);
  void http_request(int status);

  struct Gauges {
    size_t queue_depth = 0;
    bool build_running = false;
    size_t subscribers = 0;
    int64_t uptime_ms = 0;
    uint64_t last_event_seq = 0;
    /// Per lane: its name, whether its queued slot is taken, whether a
    /// deploy of it runs.
    struct Lane {
      std::string name;
      size_t queued = 0;
      bool running = false;
      bool locked = false;
    };
    std::vector<Lane> lanes;
  };
  std::string render(const Gauges& gauges) const;

 private:
  std::map<std::string, uint64_t> deploys_by_status_;
  std::map<std::pair<std::string, bool>, uint64_t> restarts_;
  std::map<int, uint64_t> http_by_status_;
  std::map<std::pair<std::string, std::string>, uint64_t> lane_deploys_;  // (lane, status)
  std::map<std::string, double> lane_seconds_;
  Histogram deploy_seconds_;
  Histogram build_seconds_;
};

}  // namespace reship::api
