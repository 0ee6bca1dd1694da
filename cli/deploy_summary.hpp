#pragma once

#include <string>

#include <simdjson.h>

namespace reship::cli {

/// The exit code of a final deploy record (contract 4): 0 succeeded,
/// 3 cancelled, 1 otherwise.
int exit_code_of(simdjson::dom::element record);

/// A short outcome for the end of `reship deploy`: status and duration,
/// each restart with its pid and time, the error summary.
std::string deploy_summary(simdjson::dom::element record);

/// Everything about one deploy, for `reship show`.
std::string deploy_details(simdjson::dom::element record);

}  // namespace reship::cli
