#pragma once

// What the fuzz targets share: a check that aborts (so that libFuzzer keeps
// the input) and a source of piece sizes for feeding input in chunks.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

/// Aborts with the condition's text when an invariant does not hold; libFuzzer
/// then saves the input as a crash.
#define FUZZ_CHECK(cond) ((cond) ? static_cast<void>(0) : ::reship::fuzz::fail(#cond, __FILE__, __LINE__))

namespace reship::fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", what, file, line);
  std::abort();
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Piece sizes drawn from a generator seeded with the input itself, so that
/// every mutation also tries another split while the seed files stay plain
/// text (no header bytes that choose the chunking).
class Chunker {
 public:
  explicit Chunker(std::string_view data, uint64_t salt = 0) : state_(0xcbf29ce484222325ULL ^ salt) {
    for (const char c : data) state_ = (state_ ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }

  /// A number from the generator (splitmix64).
  uint64_t random() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// A piece size from 1 up: mostly tiny, sometimes large, as reads off a
  /// socket or a pipe come.
  size_t next() {
    const uint64_t r = random();
    switch (r % 4) {
      case 0: return 1;
      case 1: return 1 + static_cast<size_t>((r >> 8) % 8);
      case 2: return 1 + static_cast<size_t>((r >> 8) % 64);
      default: return 1 + static_cast<size_t>((r >> 8) % 4096);
    }
  }

  /// Calls fn(std::string_view piece) for consecutive pieces of `data`;
  /// stops early when fn returns false.
  template <class Fn>
  void split(std::string_view data, Fn&& fn) {
    while (!data.empty()) {
      const size_t n = std::min(next(), data.size());
      if (!fn(data.substr(0, n))) return;
      data.remove_prefix(n);
    }
  }

 private:
  uint64_t state_;
};

}  // namespace reship::fuzz
