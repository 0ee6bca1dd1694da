#pragma once

#include <functional>
#include <string>
#include <vector>

namespace reship::back {

/// What reading the config file again did to reship-back (issue 22).
struct ConfigReload {
  /// "PATH:LINE: message"; when any, nothing changed.
  std::vector<std::string> problems;
  /// The parts that changed and now apply: "[[tokens]]", "[builds]", "[back] build_timeout"...
  std::vector<std::string> changed;
  /// What the file changes that only a restart of reship-back applies.
  std::vector<std::string> needs_restart;

  bool ok() const { return problems.empty(); }
};

/// Reads the config file again; with `apply` false it only checks it. The
/// seam through which a deploy with "reload": true reloads the daemon that
/// runs it (BackDaemon sets it; without it such a deploy fails, saying so).
using ConfigReloader = std::function<ConfigReload(bool apply)>;

}  // namespace reship::back
