#include "common/os/uv_handles.hpp"

#include <utility>

namespace reship::common::uv {
namespace {

// Frees the heap block of a handle once libuv is done with it. Every State
// below starts with its uv handle, so the handle pointer is the block pointer.
template <class State>
void close_and_free(State* state) {
  if (state == nullptr) return;
  state->fn = nullptr;
  auto* handle = reinterpret_cast<uv_handle_t*>(&state->handle);
  if (uv_is_closing(handle)) return;
  uv_close(handle, [](uv_handle_t* h) { delete reinterpret_cast<State*>(h); });
}

}  // namespace

Loop::Loop() {
  uv_loop_init(&loop_);
}

Loop::~Loop() {
  close();
}

int Loop::close() {
  if (closed_) return 0;
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  // Handles closed here without a callback belonged to owners that already
  // died (their close callbacks free them); those with owners still alive are
  // a bug in the caller, reported by the non-zero return.
  uv_run(&loop_, UV_RUN_DEFAULT);
  closed_ = true;
  return uv_loop_close(&loop_);
}

// ---- Timer ---------------------------------------------------------------

struct Timer::State {
  uv_timer_t handle;
  std::function<void()> fn;
};

Timer::Timer(uv_loop_t* loop) : state_(new State) {
  uv_timer_init(loop, &state_->handle);
  state_->handle.data = state_;
}

Timer::~Timer() {
  close_and_free(state_);
}

Timer& Timer::operator=(Timer&& other) noexcept {
  if (this != &other) {
    close_and_free(state_);
    state_ = std::exchange(other.state_, nullptr);
  }
  return *this;
}

void Timer::start(std::chrono::milliseconds after, std::function<void()> fn) {
  state_->fn = std::move(fn);
  // libuv counts from the time cached at the start of the loop iteration;
  // refresh it so that "after" is measured from now, as callers expect.
  uv_update_time(state_->handle.loop);
  uv_timer_start(
      &state_->handle,
      [](uv_timer_t* h) {
        auto* s = static_cast<State*>(h->data);
        // Move the callback out first: it may restart this timer or destroy
        // its owner.
        auto callback = std::move(s->fn);
        s->fn = nullptr;
        if (callback) callback();
      },
      static_cast<uint64_t>(after.count() < 0 ? 0 : after.count()), 0);
}

void Timer::start_repeating(std::chrono::milliseconds every, std::function<void()> fn) {
  state_->fn = std::move(fn);
  uv_update_time(state_->handle.loop);
  const auto ms = static_cast<uint64_t>(every.count() < 1 ? 1 : every.count());
  uv_timer_start(
      &state_->handle,
      [](uv_timer_t* h) {
        auto* s = static_cast<State*>(h->data);
        if (s->fn) {
          auto callback = s->fn;  // a copy: the callback may destroy this timer
          callback();
        }
      },
      ms, ms);
}

void Timer::stop() {
  if (state_ == nullptr) return;
  uv_timer_stop(&state_->handle);
  state_->fn = nullptr;
}

bool Timer::active() const {
  return state_ != nullptr && uv_is_active(reinterpret_cast<const uv_handle_t*>(&state_->handle));
}

void Timer::unref() {
  uv_unref(reinterpret_cast<uv_handle_t*>(&state_->handle));
}

// ---- Signal --------------------------------------------------------------

struct Signal::State {
  uv_signal_t handle;
  std::function<void()> fn;
};

Signal::Signal(uv_loop_t* loop) : state_(new State) {
  uv_signal_init(loop, &state_->handle);
  state_->handle.data = state_;
}

Signal::~Signal() {
  close_and_free(state_);
}

Result<void> Signal::start(int signum, std::function<void()> fn) {
  state_->fn = std::move(fn);
  const int rc = uv_signal_start(
      &state_->handle,
      [](uv_signal_t* h, int) {
        auto* s = static_cast<State*>(h->data);
        if (s->fn) {
          auto callback = s->fn;
          callback();
        }
      },
      signum);
  if (rc != 0) return Error{std::string("cannot watch signal: ") + uv_strerror(rc), -rc};
  return {};
}

void Signal::stop() {
  uv_signal_stop(&state_->handle);
  state_->fn = nullptr;
}

void Signal::unref() {
  uv_unref(reinterpret_cast<uv_handle_t*>(&state_->handle));
}

// ---- Poll ----------------------------------------------------------------

struct Poll::State {
  uv_poll_t handle;
  Poll::Fn fn;
  bool ok = false;
};

Poll::Poll(uv_loop_t* loop, int fd) : state_(new State) {
  state_->ok = uv_poll_init(loop, &state_->handle, fd) == 0;
  state_->handle.data = state_;
  if (!state_->ok) {
    // A handle that failed to initialise is not registered with the loop and
    // must not be closed; free it now.
    delete state_;
    state_ = nullptr;
  }
}

Poll::~Poll() {
  close_and_free(state_);
}

bool Poll::ok() const {
  return state_ != nullptr;
}

Result<void> Poll::start(int events, Fn fn) {
  if (state_ == nullptr) return Error{"cannot poll this file descriptor"};
  state_->fn = std::move(fn);
  const int rc = uv_poll_start(&state_->handle, events, [](uv_poll_t* h, int status, int ready) {
    auto* s = static_cast<State*>(h->data);
    if (s->fn) {
      auto callback = s->fn;
      callback(status, ready);
    }
  });
  if (rc != 0) return Error{std::string("cannot poll: ") + uv_strerror(rc), -rc};
  return {};
}

void Poll::stop() {
  if (state_ == nullptr) return;
  uv_poll_stop(&state_->handle);
  state_->fn = nullptr;
}

// ---- FsEvent -------------------------------------------------------------

struct FsEvent::State {
  uv_fs_event_t handle;
  std::function<void(std::string_view)> fn;
};

FsEvent::FsEvent(uv_loop_t* loop) : state_(new State) {
  uv_fs_event_init(loop, &state_->handle);
  state_->handle.data = state_;
}

FsEvent::~FsEvent() {
  close_and_free(state_);
}

Result<void> FsEvent::start(const std::string& dir, std::function<void(std::string_view)> fn) {
  state_->fn = std::move(fn);
  const int rc = uv_fs_event_start(
      &state_->handle,
      [](uv_fs_event_t* h, const char* name, int, int status) {
        auto* s = static_cast<State*>(h->data);
        if (status != 0 || name == nullptr || !s->fn) return;
        auto callback = s->fn;
        callback(name);
      },
      dir.c_str(), 0);
  if (rc != 0) return Error{"cannot watch " + dir + ": " + uv_strerror(rc), -rc};
  return {};
}

void FsEvent::stop() {
  uv_fs_event_stop(&state_->handle);
  state_->fn = nullptr;
}

// ---- Check ---------------------------------------------------------------

struct Check::State {
  uv_check_t handle;
  std::function<void()> fn;
};

Check::Check(uv_loop_t* loop) : state_(new State) {
  uv_check_init(loop, &state_->handle);
  state_->handle.data = state_;
}

Check::~Check() {
  close_and_free(state_);
}

void Check::start(std::function<void()> fn) {
  state_->fn = std::move(fn);
  uv_check_start(&state_->handle, [](uv_check_t* h) {
    auto* s = static_cast<State*>(h->data);
    if (s->fn) {
      auto callback = s->fn;
      callback();
    }
  });
}

void Check::stop() {
  uv_check_stop(&state_->handle);
  state_->fn = nullptr;
}

struct Idle::State {
  uv_idle_t handle;
  std::function<void()> fn;
};

Idle::Idle(uv_loop_t* loop) : state_(new State) {
  uv_idle_init(loop, &state_->handle);
  state_->handle.data = state_;
}

Idle::~Idle() {
  close_and_free(state_);
}

void Idle::start(std::function<void()> fn) {
  state_->fn = std::move(fn);
  uv_idle_start(&state_->handle, [](uv_idle_t* h) {
    auto* s = static_cast<State*>(h->data);
    if (s->fn) {
      auto callback = s->fn;
      callback();
    }
  });
}

void Idle::stop() {
  uv_idle_stop(&state_->handle);
  state_->fn = nullptr;
}

bool Idle::active() const {
  return uv_is_active(reinterpret_cast<const uv_handle_t*>(&state_->handle)) != 0;
}

}  // namespace reship::common::uv
