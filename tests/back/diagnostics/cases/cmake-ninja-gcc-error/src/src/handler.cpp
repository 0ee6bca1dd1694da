#include <string>

std::string handle(const std::string& path) {
  std::string body = "hello from " + path;
  return body.size();
}
