#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <string>
#include <string_view>

namespace reship::common {

/// Fills `addr` for a NOTIFY_SOCKET value: a path, or "@name" for the
/// abstract namespace (sd_notify(3)). Returns the address length.
socklen_t notify_address(const std::string& address, sockaddr_un& addr);

/// Sends `message` ("READY=1", "STOPPING=1", "STATUS=…") to $NOTIFY_SOCKET
/// when it is set, as sd_notify(3) does. Returns false when unset or
/// unreachable: running without systemd is not an error.
bool sd_notify(std::string_view message);

}  // namespace reship::common
