#include "common/text/escape.hpp"

#include "common/text/utf8.hpp"

namespace reship::common {

std::string escape_controls(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string clean = is_valid_utf8(text) ? std::string(text) : sanitize_utf8(text);
  std::string out;
  out.reserve(clean.size());
  for (size_t i = 0; i < clean.size(); ++i) {
    const auto c = static_cast<unsigned char>(clean[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else if (c == 0xc2 && i + 1 < clean.size() && static_cast<unsigned char>(clean[i + 1]) <= 0x9f) {
      // U+0080..U+009F, the C1 controls (0x9b is a one-byte CSI to some terminals).
      const auto low = static_cast<unsigned char>(clean[i + 1]);
      out += "\\u00";
      out += kHex[low >> 4];
      out += kHex[low & 0xf];
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace reship::common
