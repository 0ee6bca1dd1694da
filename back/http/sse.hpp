#pragma once

#include <string>
#include <string_view>

namespace reship::http {

/// Appends one Server-Sent Events block to `out`:
///
///   id: 42
///   event: deploy.log
///   data: first line
///   data: second line
///   <blank line>
///
/// `data` is split at every line break (LF, CRLF or CR, as the EventSource
/// parser splits it) into several data: lines, so that any text survives
/// the trip. Empty `id` or `event` are left out; CR, LF and NUL in them are
/// dropped (they would end the field early).
void append_sse_event(std::string& out, std::string_view id, std::string_view event, std::string_view data);

/// The block append_sse_event() writes, as a new string.
std::string format_sse_event(std::string_view id, std::string_view event, std::string_view data);

/// A comment line that keeps an idle stream (and the proxies on its way)
/// from timing out; EventSource clients ignore it.
inline constexpr std::string_view kSseHeartbeat = ": heartbeat\n\n";

/// The "retry:" field asking clients to wait `milliseconds` before they
/// reconnect.
std::string format_sse_retry(unsigned milliseconds);

}  // namespace reship::http
