#pragma once

#include <string>
#include <string_view>

namespace reship::common {

/// `text` made safe for one line of a log or a terminal: C0 and C1 control
/// characters and DEL written as escapes ("\n", "\r", "\t", "\x1b",
/// "\u009b"), ill-formed UTF-8 as U+FFFD; everything else as it is. For
/// what a request said (a reason, a session id) wherever reship itself
/// writes it, so a caller cannot forge a log line or drive a reader's
/// terminal. Build output is not passed through it: its bytes are kept.
std::string escape_controls(std::string_view text);

}  // namespace reship::common
