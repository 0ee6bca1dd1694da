#pragma once

#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/result.hpp"

namespace reship::common {

enum class LogFormat { text, json };

/// Parses "text" or "json".
Result<LogFormat> parse_log_format(std::string_view text);
/// Parses "trace", "debug", "info", "warn", "error", "off".
Result<spdlog::level::level_enum> parse_log_level(std::string_view text);

/// Makes spdlog's default logger write to stderr: human text by default
/// ("2026-11-22T10:04:05.123Z info  message"), or one JSON object per line
/// ({"time":…,"level":…,"logger":…,"msg":…}) for log collectors.
void setup_logging(std::string_view name, LogFormat format, spdlog::level::level_enum level);

/// Replaces the sinks of the default logger, keeping its format and level.
/// The supervisor uses this to route its own log lines through the same
/// non-blocking writer as its children's output.
void set_log_sink(spdlog::sink_ptr sink);

}  // namespace reship::common
