#include "tests/packaging/dockerfile.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace reship::test {
namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool is_shell_separator(const std::string& w) {
  return w == "&&" || w == "||" || w == ";" || w == "|";
}

}  // namespace

std::vector<DockerInstruction> parse_dockerfile(const std::string& text) {
  std::vector<DockerInstruction> out;
  std::istringstream in(text);
  std::string raw;
  int line_no = 0;
  DockerInstruction current;
  bool continuing = false;
  while (std::getline(in, raw)) {
    ++line_no;
    std::string line = trim(raw);
    // Docker drops comment lines, also inside a continued instruction, and
    // empty lines do not end one.
    if (line.empty() || line[0] == '#') continue;
    const bool continues = line.back() == '\\';
    if (continues) line = trim(line.substr(0, line.size() - 1));
    if (continuing) {
      if (!line.empty()) current.args += (current.args.empty() ? "" : " ") + line;
    } else {
      const size_t space = line.find_first_of(" \t");
      current = DockerInstruction{};
      current.line = line_no;
      current.keyword = line.substr(0, space);
      std::transform(current.keyword.begin(), current.keyword.end(), current.keyword.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      current.args = space == std::string::npos ? "" : trim(line.substr(space));
    }
    continuing = continues;
    if (!continuing) out.push_back(current);
  }
  if (continuing) out.push_back(current);
  return out;
}

std::vector<DockerStage> dockerfile_stages(const std::vector<DockerInstruction>& instructions) {
  std::vector<DockerStage> stages;
  for (const auto& ins : instructions) {
    if (ins.keyword == "FROM") {
      stages.push_back(DockerStage{ins.args, {}});
    } else if (!stages.empty()) {
      stages.back().instructions.push_back(ins);
    }
  }
  return stages;
}

std::vector<std::string> apt_installed_packages(const std::string& run_args) {
  std::vector<std::string> packages;
  const auto w = words(run_args);
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] != "apt-get" && w[i] != "apt") continue;
    // apt-get [options] install [options] PACKAGES...
    size_t j = i + 1;
    while (j < w.size() && w[j][0] == '-') ++j;
    if (j >= w.size() || w[j] != "install") continue;
    for (++j; j < w.size() && !is_shell_separator(w[j]); ++j) {
      std::string word = w[j];
      const bool ends_command = word.back() == ';';
      if (ends_command) word.pop_back();
      if (!word.empty() && word[0] != '-' && word[0] != '$') packages.push_back(word);
      if (ends_command) break;
    }
  }
  return packages;
}

std::vector<std::string> copy_sources(const std::string& copy_args) {
  std::vector<std::string> parts;
  const std::string args = trim(copy_args);
  if (!args.empty() && args[0] == '[') {
    // JSON form: ["src", ..., "dest"]
    size_t pos = 0;
    while ((pos = args.find('"', pos)) != std::string::npos) {
      const size_t end = args.find('"', pos + 1);
      if (end == std::string::npos) break;
      parts.push_back(args.substr(pos + 1, end - pos - 1));
      pos = end + 1;
    }
  } else {
    for (const auto& w : words(args)) {
      if (w.rfind("--", 0) == 0) {
        if (w.rfind("--from", 0) == 0) return {};
        continue;
      }
      parts.push_back(w);
    }
  }
  if (!parts.empty()) parts.pop_back();  // the destination
  return parts;
}

}  // namespace reship::test
