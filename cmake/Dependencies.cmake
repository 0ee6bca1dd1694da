# Every dependency is a Debian package; scripts/install-deps installs them.
# See docs/building.md for the package list.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(UV REQUIRED IMPORTED_TARGET libuv)
find_package(simdjson REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(wslay REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
if(RESHIP_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()

# llhttp: a system library when one exists, else Debian's C sources
# (package node-llhttp) compiled into a static library.
pkg_check_modules(LLHTTP QUIET IMPORTED_TARGET libllhttp)
if(LLHTTP_FOUND)
  add_library(reship_llhttp INTERFACE)
  target_link_libraries(reship_llhttp INTERFACE PkgConfig::LLHTTP)
else()
  set(RESHIP_LLHTTP_SRC_DIR "/usr/share/llhttp" CACHE PATH "llhttp C sources")
  set(RESHIP_LLHTTP_INCLUDE_DIR "/usr/share/include/llhttp" CACHE PATH "llhttp header")
  if(NOT EXISTS "${RESHIP_LLHTTP_SRC_DIR}/llhttp.c")
    message(FATAL_ERROR "llhttp not found: install the Debian package node-llhttp (scripts/install-deps)")
  endif()
  add_library(reship_llhttp STATIC
    ${RESHIP_LLHTTP_SRC_DIR}/llhttp.c
    ${RESHIP_LLHTTP_SRC_DIR}/api.c
    ${RESHIP_LLHTTP_SRC_DIR}/http.c)
  target_include_directories(reship_llhttp SYSTEM PUBLIC ${RESHIP_LLHTTP_INCLUDE_DIR})
  set_target_properties(reship_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON)
  reship_third_party(reship_llhttp)
endif()
