#include "server/connections.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/request_head.h"

namespace casebook::server {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxDrainBytes = 1 << 20;  // read and dropped when closing gently

struct Waiting {
  std::unique_ptr<Connection> conn;
  Clock::time_point since;  // when this wait began
  bool closing = false;     // closing gently: drain, then close
  size_t drained = 0;       // bytes dropped while closing
  size_t scanned = 0;       // buffer bytes known to hold no head end
};

enum class Handoff { kNew, kReturned, kCloseGently };

}  // namespace

struct Connections::State {
  ConnectionLimits limits;
  Handler handler;
  Refusal refusal;

  int epoll_fd = -1;
  int wake_fd = -1;
  std::thread gate;
  std::vector<std::thread> workers;
  std::atomic<bool> stopping{false};
  bool started = false;

  // Hand-offs to the gate (from the accept thread and the workers).
  std::mutex inbox_mu;
  std::vector<std::pair<Handoff, std::unique_ptr<Connection>>> inbox;

  // Gate-thread only.
  std::unordered_map<int, Waiting> waiting;
  std::atomic<size_t> held_count{0};

  // Connections with a complete head, for the workers; and the sockets the
  // workers are answering now (shut down by Stop()).
  std::mutex ready_mu;
  std::condition_variable ready_cv;
  std::deque<std::unique_ptr<Connection>> ready;
  std::set<int> active;

  void Wake() {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd, &one, sizeof one);
  }

  void Post(Handoff kind, std::unique_ptr<Connection> c) {
    {
      std::lock_guard<std::mutex> lock(inbox_mu);
      inbox.emplace_back(kind, std::move(c));
    }
    Wake();
  }

  // ---- gate thread ----

  void Hold(std::unique_ptr<Connection> c, bool closing) {
    const int fd = c->fd;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      ::close(fd);
      return;
    }
    if (waiting.size() >= limits.max_connections) EvictOldest();
    waiting[fd] = Waiting{std::move(c), Clock::now(), closing};
    held_count = waiting.size();
  }

  void Drop(int fd) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    waiting.erase(fd);
    held_count = waiting.size();
  }

  // Makes room: a connection being closed anyway if there is one, else the
  // one that has waited longest.
  void EvictOldest() {
    int oldest = -1;
    bool closing = false;
    Clock::time_point when = Clock::time_point::max();
    for (const auto& [fd, w] : waiting) {
      if (w.closing != closing ? w.closing : w.since < when) {
        closing = w.closing;
        when = w.since;
        oldest = fd;
      }
    }
    if (oldest >= 0) Drop(oldest);
  }

  // Answers with the gate's own refusal, then closes gently.
  void Refuse(int fd, int status) {
    std::string raw = refusal(status);
    [[maybe_unused]] ssize_t n = ::send(fd, raw.data(), raw.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    Waiting& w = waiting[fd];
    w.closing = true;
    w.since = Clock::now();
    w.conn->buffer.clear();
    w.conn->buffer.shrink_to_fit();
  }

  // A complete head: off to a worker.
  void Dispatch(int fd) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    std::unique_ptr<Connection> c = std::move(waiting[fd].conn);
    waiting.erase(fd);
    held_count = waiting.size();
    {
      std::lock_guard<std::mutex> lock(ready_mu);
      ready.push_back(std::move(c));
    }
    ready_cv.notify_one();
  }

  // Dispatches or refuses when the buffer says so; true when it did.
  bool Decide(int fd) {
    Waiting& w = waiting[fd];
    const std::string& buf = w.conn->buffer;
    if (RequestHeadLength(buf, w.scanned) > 0) {
      Dispatch(fd);
      return true;
    }
    w.scanned = buf.size();
    if (buf.size() > limits.max_head_bytes) {
      Refuse(fd, buf.find('\n') == std::string::npos ? 414 : 431);
      return true;
    }
    return false;
  }

  void OnReadable(int fd) {
    auto it = waiting.find(fd);
    if (it == waiting.end()) return;
    Waiting& w = it->second;
    char buf[16384];
    if (w.closing) {
      ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      if (n <= 0 || (w.drained += static_cast<size_t>(n)) > kMaxDrainBytes) Drop(fd);
      return;
    }
    const size_t room = limits.max_head_bytes + 1 - std::min(w.conn->buffer.size(), limits.max_head_bytes);
    ssize_t n = ::recv(fd, buf, std::min(room, sizeof buf), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      Drop(fd);
      return;
    }
    if (n > 0) {
      w.conn->buffer.append(buf, static_cast<size_t>(n));
      Decide(fd);
    }
  }

  void Sweep() {
    const auto now = Clock::now();
    std::vector<int> silent, slow;
    for (const auto& [fd, w] : waiting) {
      auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - w.since).count();
      if (w.closing) {
        if (waited >= limits.linger_ms) silent.push_back(fd);
      } else if (w.conn->buffer.empty()) {
        if (waited >= limits.idle_timeout_ms) silent.push_back(fd);
      } else if (waited >= limits.head_timeout_ms) {
        slow.push_back(fd);
      }
    }
    for (int fd : silent) Drop(fd);
    for (int fd : slow) Refuse(fd, 408);
  }

  void TakeInbox() {
    std::vector<std::pair<Handoff, std::unique_ptr<Connection>>> items;
    {
      std::lock_guard<std::mutex> lock(inbox_mu);
      items.swap(inbox);
    }
    for (auto& [kind, c] : items) {
      const int fd = c->fd;
      if (kind == Handoff::kCloseGently) {
        ::shutdown(fd, SHUT_WR);
        c->buffer.clear();
        Hold(std::move(c), /*closing=*/true);
        continue;
      }
      Hold(std::move(c), false);
      // A returned connection may hold the next pipelined head already.
      if (kind == Handoff::kReturned && waiting.count(fd)) Decide(fd);
    }
  }

  void GateLoop() {
    epoll_event events[256];
    auto last_sweep = Clock::now();
    while (!stopping) {
      int n = ::epoll_wait(epoll_fd, events, 256, 100);
      for (int i = 0; i < n; ++i) {
        if (events[i].data.fd == wake_fd) {
          uint64_t v;
          [[maybe_unused]] ssize_t r = ::read(wake_fd, &v, sizeof v);
          continue;
        }
        OnReadable(events[i].data.fd);
      }
      TakeInbox();
      if (Clock::now() - last_sweep >= std::chrono::milliseconds(100)) {
        Sweep();
        last_sweep = Clock::now();
      }
    }
    for (auto& [fd, w] : waiting) ::close(fd);
    waiting.clear();
    held_count = 0;
    std::lock_guard<std::mutex> lock(inbox_mu);
    for (auto& item : inbox) ::close(item.second->fd);
    inbox.clear();
  }

  // ---- workers ----

  void WorkerLoop() {
    while (true) {
      std::unique_ptr<Connection> c;
      {
        std::unique_lock<std::mutex> lock(ready_mu);
        ready_cv.wait(lock, [this] { return stopping || !ready.empty(); });
        if (stopping) return;
        c = std::move(ready.front());
        ready.pop_front();
        active.insert(c->fd);
      }
      AfterRequests after = AfterRequests::kClose;
      try {
        after = handler(*c);
      } catch (...) {
        after = AfterRequests::kClose;
      }
      {
        std::lock_guard<std::mutex> lock(ready_mu);
        active.erase(c->fd);
      }
      if (stopping) after = AfterRequests::kClose;
      switch (after) {
        case AfterRequests::kKeepOpen: Post(Handoff::kReturned, std::move(c)); break;
        case AfterRequests::kCloseGently: Post(Handoff::kCloseGently, std::move(c)); break;
        case AfterRequests::kClose: ::close(c->fd); break;
      }
    }
  }
};

Connections::Connections(ConnectionLimits limits, Handler handler, Refusal refusal)
    : s_(std::make_unique<State>()) {
  s_->limits = limits;
  if (s_->limits.workers == 0) s_->limits.workers = 1;
  if (s_->limits.max_connections == 0) s_->limits.max_connections = 1;
  s_->handler = std::move(handler);
  s_->refusal = std::move(refusal);
}

Connections::~Connections() { Stop(); }

bool Connections::Start(std::string* error) {
  State& s = *s_;
  s.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  s.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s.epoll_fd < 0 || s.wake_fd < 0) {
    *error = std::string("cannot set up epoll: ") + std::strerror(errno);
    return false;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = s.wake_fd;
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.wake_fd, &ev);
  try {
    s.gate = std::thread([&s] { s.GateLoop(); });
    for (size_t i = 0; i < s.limits.workers; ++i) s.workers.emplace_back([&s] { s.WorkerLoop(); });
  } catch (const std::exception& e) {
    *error = std::string("cannot start threads: ") + e.what();
    s.started = true;
    Stop();
    return false;
  }
  s.started = true;
  return true;
}

void Connections::Add(int fd) {
  if (s_->stopping || !s_->started) {
    ::close(fd);
    return;
  }
  auto c = std::make_unique<Connection>();
  c->fd = fd;
  s_->Post(Handoff::kNew, std::move(c));
}

void Connections::Stop() {
  State& s = *s_;
  if (!s.started) return;
  s.started = false;
  s.stopping = true;
  if (s.wake_fd >= 0) s.Wake();
  {
    std::lock_guard<std::mutex> lock(s.ready_mu);
    for (int fd : s.active) ::shutdown(fd, SHUT_RDWR);
  }
  s.ready_cv.notify_all();
  if (s.gate.joinable()) s.gate.join();
  for (auto& t : s.workers)
    if (t.joinable()) t.join();
  s.workers.clear();
  for (auto& c : s.ready) ::close(c->fd);
  s.ready.clear();
  for (auto& item : s.inbox) ::close(item.second->fd);  // handed back while stopping
  s.inbox.clear();
  if (s.epoll_fd >= 0) ::close(s.epoll_fd);
  if (s.wake_fd >= 0) ::close(s.wake_fd);
  s.epoll_fd = s.wake_fd = -1;
}

size_t Connections::held() const { return s_->held_count; }

}  // namespace casebook::server
