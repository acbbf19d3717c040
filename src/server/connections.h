// Connections: the server's connection handling, in front of the HTTP
// library, so that slow or idle clients cost a few bytes each, not a thread.
//
// One thread ("the gate") holds every connection that is waiting for a
// request, in epoll, reading what arrives into the connection's buffer. Only
// when a whole request head is buffered does the connection go to one of a
// fixed number of worker threads, which answer every complete request in the
// buffer (pipelined requests in order) and hand the connection back to the
// gate to wait for the next one. A worker never waits for a client to send.
//
// The gate enforces, per connection:
//   - idle_timeout_ms: nothing received at all (a new connection, or a
//     keep-alive one between requests) -> closed silently;
//   - head_timeout_ms: a request head started but not complete within this
//     time of the wait beginning (slowloris) -> 408, closed;
//   - max_head_bytes: a head longer than this -> 431 (414 when the request
//     line alone is that long), closed;
//   - max_connections: when that many are waiting, the one waiting longest
//     is closed to make room (a flood evicts itself, not new visitors).
// Connections closed after an error, or after a request that declared a
// body, are closed gently: our side is shut down and whatever the client
// still sends is read and dropped for up to linger_ms (so the client reads
// our answer instead of a TCP reset).
//
// No HTTP library types: the handler (http_server.cc) parses and answers.
// Thread-safety: Add() and Stop() may be called from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace casebook::server {

struct Connection {
  int fd = -1;
  std::string buffer;  // received and not yet handled
  int requests = 0;    // requests answered on this connection so far
};

/// What the handler wants done with a connection once it has answered.
enum class AfterRequests { kKeepOpen, kClose, kCloseGently };

struct ConnectionLimits {
  size_t workers = 16;
  size_t max_head_bytes = 32 * 1024;
  int head_timeout_ms = 10000;
  int idle_timeout_ms = 5000;
  size_t max_connections = 4096;
  int linger_ms = 2000;
};

class Connections {
 public:
  /// Runs on a worker; `c.buffer` starts with a complete request head.
  using Handler = std::function<AfterRequests(Connection& c)>;
  /// A complete raw HTTP response (status line to body) for the gate's own
  /// refusals: 408, 414 and 431.
  using Refusal = std::function<std::string(int status)>;

  Connections(ConnectionLimits limits, Handler handler, Refusal refusal);
  ~Connections();  // Stop()
  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;

  /// Starts the gate and the workers. False with *error when epoll or the
  /// threads cannot be set up.
  bool Start(std::string* error);
  /// Takes over a newly accepted socket (closes it when stopped).
  void Add(int fd);
  /// Closes every connection, lets workers finish the request they are
  /// writing (their sockets are shut down, so that is quick) and joins all
  /// threads. Safe to call more than once.
  void Stop();

  /// Connections the gate holds now (waiting or closing gently); for tests.
  size_t held() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace casebook::server
