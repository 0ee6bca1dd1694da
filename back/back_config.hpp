#pragma once

#include <vector>

#include "common/config/config.hpp"

namespace reship::back {

/// The rules reship-back adds to the shared config checks: with no [[tokens]]
/// the API is open, so it may listen only on loopback or Unix sockets.
std::vector<common::ConfigProblem> check_back_config(const common::Config& config);

}  // namespace reship::back
