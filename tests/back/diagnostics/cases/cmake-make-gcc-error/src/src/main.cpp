#include <string>

std::string handle(const std::string& path);

int main() { return handle("/").empty() ? 1 : 0; }
