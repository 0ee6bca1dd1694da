#pragma once

#include <string>
#include <string_view>

namespace reship::back::diagnostics {

/// `path` as a diagnostic shows it: a "file://" URL as its path, "a/./b" and
/// "a/x/../b" made plain, and relative to `workdir` when it is inside it
/// ("/srv/app/src/x.ts" with workdir "/srv/app" is "src/x.ts"). A relative
/// path stays relative (to the workdir, where builds run).
std::string project_path(std::string_view path, std::string_view workdir);

/// `path` under `dir` when `path` is relative and `dir` is not empty.
std::string join_path(std::string_view dir, std::string_view path);

/// True for a file that is not the project's own source: system and compiler
/// headers, node_modules, site-packages, the standard libraries of Python,
/// Go, Rust and Java, Node.js internals. With a `workdir`, an absolute path
/// outside it is not the project's either.
bool is_third_party(std::string_view path, std::string_view workdir = {});

}  // namespace reship::back::diagnostics
