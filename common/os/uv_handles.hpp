#pragma once

// RAII owners for the libuv handles the daemons use. Each owner keeps its
// handle and callback in a heap block that lives until libuv's close callback,
// so destroying an owner from inside its own callback is safe: the callback is
// disarmed at once and the memory freed one loop turn later.

#include <uv.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace reship::common::uv {

/// Owns a uv_loop_t. The destructor closes every handle still open and runs
/// the loop until they are gone, so that the loop always closes cleanly.
class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_t* get() noexcept { return &loop_; }
  operator uv_loop_t*() noexcept { return &loop_; }  // NOLINT: implicit by design
  void run() { uv_run(&loop_, UV_RUN_DEFAULT); }
  void stop() { uv_stop(&loop_); }
  /// Closes every open handle and runs until they are closed. Returns the
  /// result of uv_loop_close (0 when nothing leaked).
  int close();

 private:
  uv_loop_t loop_;
  bool closed_ = false;
};

/// A one-shot or repeating timer.
class Timer {
 public:
  explicit Timer(uv_loop_t* loop);
  ~Timer();
  Timer(Timer&& other) noexcept : state_(other.state_) { other.state_ = nullptr; }
  Timer& operator=(Timer&& other) noexcept;
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void start(std::chrono::milliseconds after, std::function<void()> fn);
  void start_repeating(std::chrono::milliseconds every, std::function<void()> fn);
  void stop();
  bool active() const;
  /// Lets the loop exit while this timer is the only thing pending.
  void unref();

 private:
  struct State;
  State* state_;
};

/// A signal watcher (libuv delivers it on the loop thread, so the callback may
/// do anything).
class Signal {
 public:
  explicit Signal(uv_loop_t* loop);
  ~Signal();
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;

  Result<void> start(int signum, std::function<void()> fn);
  void stop();
  void unref();

 private:
  struct State;
  State* state_;
};

/// Watches a raw file descriptor for readability or writability. The fd stays
/// owned by the caller.
class Poll {
 public:
  /// `events` is a UV_READABLE/UV_WRITABLE mask; the callback gets the status
  /// (negative on error) and the ready events.
  using Fn = std::function<void(int status, int events)>;

  Poll(uv_loop_t* loop, int fd);
  ~Poll();
  Poll(const Poll&) = delete;
  Poll& operator=(const Poll&) = delete;

  bool ok() const;
  Result<void> start(int events, Fn fn);
  void stop();

 private:
  struct State;
  State* state_;
};

/// Watches a folder for entries appearing, disappearing or changing
/// (inotify). The callback gets the entry's name.
class FsEvent {
 public:
  explicit FsEvent(uv_loop_t* loop);
  ~FsEvent();
  FsEvent(const FsEvent&) = delete;
  FsEvent& operator=(const FsEvent&) = delete;

  Result<void> start(const std::string& dir, std::function<void(std::string_view name)> fn);
  void stop();

 private:
  struct State;
  State* state_;
};

/// Runs a callback once per loop iteration, after I/O: the place to flush
/// output batched during that iteration.
class Check {
 public:
  explicit Check(uv_loop_t* loop);
  ~Check();
  Check(const Check&) = delete;
  Check& operator=(const Check&) = delete;

  void start(std::function<void()> fn);
  void stop();

 private:
  struct State;
  State* state_;
};

/// An idle handle: runs once per loop turn while started, and keeps the loop
/// from blocking in poll meanwhile (work spread over turns).
class Idle {
 public:
  explicit Idle(uv_loop_t* loop);
  ~Idle();
  Idle(const Idle&) = delete;
  Idle& operator=(const Idle&) = delete;

  void start(std::function<void()> fn);
  void stop();
  bool active() const;

 private:
  struct State;
  State* state_;
};

}  // namespace reship::common::uv
