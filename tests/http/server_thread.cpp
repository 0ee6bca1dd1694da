#include "tests/http/server_thread.hpp"

#include <future>

#include "common/os/uv_handles.hpp"

namespace reship::test {

using namespace std::chrono_literals;

http::ServerOptions test_server_options() {
  http::ServerOptions o;
  o.header_timeout = 5s;
  o.body_timeout = 5s;
  o.idle_timeout = 5s;
  o.linger_timeout = 1s;
  return o;
}

void EventLog::add(std::string event) {
  {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  changed_.notify_all();
}

bool EventLog::wait_for(const std::string& event, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    for (const auto& e : events_) {
      if (e == event) return true;
    }
    return false;
  });
}

bool EventLog::wait_count(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
}

std::vector<std::string> EventLog::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

bool EventLog::contains(const std::string& event) const {
  std::lock_guard lock(mutex_);
  for (const auto& e : events_) {
    if (e == event) return true;
  }
  return false;
}

ServerThread::ServerThread(http::Handler handler, http::ServerOptions options, std::vector<std::string> addresses,
                           unsigned unix_mode) {
  thread_ = std::thread(&ServerThread::thread_main, this, std::move(handler), options, std::move(addresses), unix_mode);
  std::unique_lock lock(mutex_);
  ready_cv_.wait(lock, [&] { return ready_; });
}

ServerThread::~ServerThread() {
  stop();
}

void ServerThread::thread_main(http::Handler handler, http::ServerOptions options, std::vector<std::string> addresses,
                               unsigned unix_mode) {
  common::uv::Loop loop;
  // A raw async handle: the only way into the loop from another thread.
  auto* async = new uv_async_t;
  uv_async_init(loop, async, &ServerThread::on_async);
  async->data = this;
  server_ = std::make_unique<http::HttpServer>(loop, std::move(handler), options);
  std::string error;
  for (const auto& address : addresses) {
    auto listening = server_->listen(address, unix_mode);
    if (!listening) {
      error = listening.error().message;
      break;
    }
  }
  {
    std::lock_guard lock(mutex_);
    async_ = async;
    port_ = server_->port();
    listen_error_ = error;
    ready_ = true;
  }
  ready_cv_.notify_all();
  loop.run();
  const int result = loop.close();
  std::lock_guard lock(mutex_);
  close_result_ = result;
}

void ServerThread::on_async(uv_async_t* async) {
  auto* self = static_cast<ServerThread*>(async->data);
  std::vector<std::function<void()>> jobs;
  {
    std::lock_guard lock(self->mutex_);
    jobs.swap(self->jobs_);
  }
  for (auto& job : jobs) job();
}

bool ServerThread::post(std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  if (async_ == nullptr) return false;
  jobs_.push_back(std::move(fn));
  uv_async_send(async_);
  return true;
}

void ServerThread::run(const std::function<void()>& fn) {
  std::promise<void> done;
  auto future = done.get_future();
  const bool posted = post([&] {
    fn();
    done.set_value();
  });
  if (posted) future.wait();
}

int ServerThread::stop() {
  if (stopped_) return close_result_;
  stopped_ = true;
  post([this] {
    server_.reset();
    uv_async_t* async = nullptr;
    {
      std::lock_guard lock(mutex_);
      async = std::exchange(async_, nullptr);
    }
    uv_close(reinterpret_cast<uv_handle_t*>(async), [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
  });
  thread_.join();
  return close_result_;
}

}  // namespace reship::test
