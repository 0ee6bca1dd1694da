#include "common/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "common/text/escape.hpp"
#include "common/text/json_writer.hpp"
#include "common/time.hpp"

namespace reship::common {
namespace {

LogFormat g_format = LogFormat::text;

// One JSON object per log line; the writer keeps it valid whatever the message.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto since_epoch = msg.time.time_since_epoch();
    const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count();
    JsonWriter w(128 + msg.payload.size());
    w.begin_object();
    w.field("time", iso8601_utc(ms));
    const auto level = spdlog::level::to_string_view(msg.level);
    w.field("level", std::string_view(level.data(), level.size()));
    w.field("logger", std::string_view(msg.logger_name.data(), msg.logger_name.size()));
    w.field("msg", std::string_view(msg.payload.data(), msg.payload.size()));
    w.end_object();
    const std::string& line = w.str();
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

// The message with its control characters escaped: whatever a request or a
// child put in it, a text log line stays one line and drives no terminal.
class EscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string text = escape_controls(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<EscapedMessage>(); }
};

std::unique_ptr<spdlog::formatter> make_formatter() {
  if (g_format == LogFormat::json) return std::make_unique<JsonFormatter>();
  // UTC with milliseconds, like the timestamps in records and events.
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<EscapedMessage>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %*");
  return formatter;
}

}  // namespace

Result<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return LogFormat::text;
  if (text == "json") return LogFormat::json;
  return Error{"unknown log format \"" + std::string(text) + "\": use text or json"};
}

Result<spdlog::level::level_enum> parse_log_level(std::string_view text) {
  for (auto level : {spdlog::level::trace, spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
                     spdlog::level::err, spdlog::level::off}) {
    const auto name = spdlog::level::to_string_view(level);
    if (text == std::string_view(name.data(), name.size())) return level;
  }
  if (text == "warning") return spdlog::level::warn;
  if (text == "error") return spdlog::level::err;
  return Error{"unknown log level \"" + std::string(text) + "\": use trace, debug, info, warn, error or off"};
}

void setup_logging(std::string_view name, LogFormat format, spdlog::level::level_enum level) {
  g_format = format;
  // Single-threaded sinks: each daemon logs from its one loop thread.
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_st>(
      format == LogFormat::json ? spdlog::color_mode::never : spdlog::color_mode::automatic);
  auto logger = std::make_shared<spdlog::logger>(std::string(name), sink);
  logger->set_formatter(make_formatter());
  logger->set_level(level);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

void set_log_sink(spdlog::sink_ptr sink) {
  auto logger = spdlog::default_logger();
  sink->set_formatter(make_formatter());
  logger->sinks().clear();
  logger->sinks().push_back(std::move(sink));
}

}  // namespace reship::common
