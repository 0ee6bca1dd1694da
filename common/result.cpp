#include "common/result.hpp"

#include <cstring>

namespace reship::common {

Error errno_error(const std::string& what, int err) {
  return Error{what + ": " + std::strerror(err), err};
}

}  // namespace reship::common
