// `casebook serve`: the built site and its search over HTTP.
//
// Routes (all under the site's base path, cfg.BasePath(), usually "/"):
//   GET <base>search?q=&offset=&sort=         results page rendered with the
//                                             theme's "search" template
//   GET <base>api/search?q=&limit=&offset=&sort=   the same as JSON
//   GET <base>anything-else                   files of cfg.OutputDir()
//                                             (static_files.h for the rules)
//   GET <base>__casebook/live, live.js        with live_reload only (below)
// HEAD works wherever GET does; every other method gets 405 (request
// bodies are never read). Files are sent gzipped when the client accepts
// gzip and the type is text (with Vary: Accept-Encoding), and byte ranges
// get 206 / 416 (byte_ranges.h). Pipelined requests are answered in order.
// Every
// response carries the security headers (CSP, nosniff, no-referrer, DENY
// framing). Missing files get the site's 404.html with status 404. A missing
// search index leaves static pages working: /search says to run `casebook
// build` and /api/search answers 503.
//
// Threading: connections wait for requests in one epoll thread; complete
// requests are answered by `threads` workers (connections.h). Searchers
// (one Xapian database each) come from a mutex-guarded pool and are reopened
// when `casebook build` publishes a new index version. The TemplateSet is
// loaded once at Start() and is immutable afterwards.
//
// Ownership: ArchiveServer copies the config and owns the listening socket
// and its thread. cpp-httplib is an implementation detail: no header of
// this module includes <httplib.h> (only http_server.cc does).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.h"

namespace casebook::server {

struct ServeOptions {
  std::string bind = "127.0.0.1";  // host name or address to listen on
  int port = 8080;                 // 0 = any free port (tests)
  size_t max_query_bytes = 1024;   // longer `q` -> 414
  /// Searches running at once; up to twice as many wait up to 2 s, the rest
  /// get 503 + Retry-After (searcher_pool.h).
  size_t max_concurrent_searches = 2;
  /// Worker threads: requests answered at once. Connections waiting for a
  /// request hold no thread (connections.h), so this is not a limit on
  /// clients, only on concurrent work.
  size_t threads = 16;
  size_t max_connections = 4096;       // waiting; the oldest is closed past it
  size_t max_header_bytes = 32 * 1024; // a request head; longer -> 431
  size_t max_body_bytes = 64 * 1024;   // declared bodies over this -> 413
                                       // (bodies are never read: 405 or 413)
  int read_timeout_seconds = 10;       // a whole request head (-> 408); a
                                       // stalled write
  int keep_alive_seconds = 5;          // idle connections (new or between requests)
  int keep_alive_max_requests = 100;   // per connection
  int listen_backlog = 1024;           // capped by net.core.somaxconn
  /// One line per request ("GET /x/ 200 1234 0.8ms") and server messages.
  /// Default: written to stderr. Called from many threads at once.
  std::function<void(const std::string& line)> log;
  /// Serve() only: called on its own thread every `tick_ms` while it waits
  /// for Ctrl-C (`serve --watch` rebuilds from here). A signal that arrives
  /// during a call is handled when it returns.
  std::function<void()> on_tick;
  int tick_ms = 1000;
  /// `serve --watch`: HTML pages get a script (<base>__casebook/live.js)
  /// that reloads them once a new site is published; <base>__casebook/live
  /// answers which site is published now. Off: both are 404 and pages are
  /// served byte for byte.
  bool live_reload = false;
};

/// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackAddress(const std::string& host);

/// A server that can be started and stopped from code (the CLI and tests).
/// Start/Stop/port are to be called from one controlling thread.
class ArchiveServer {
 public:
  ArchiveServer(const config::SiteConfig& cfg, ServeOptions options);
  ~ArchiveServer();  // stops the server if it runs
  ArchiveServer(const ArchiveServer&) = delete;
  ArchiveServer& operator=(const ArchiveServer&) = delete;

  /// Binds (options.port, or any free port when 0), loads the theme's
  /// templates and starts serving on a background thread. Returns once the
  /// server accepts connections. False with *error (e.g. "127.0.0.1:8080:
  /// address already in use") when it cannot listen. Call it once per
  /// object: a stopped server is not restarted (make a new one).
  bool Start(std::string* error);
  /// The bound port (valid after a successful Start).
  int port() const;
  /// "http://127.0.0.1:8080/" + base path, for messages.
  std::string Url() const;
  /// True while the listening loop runs.
  bool running() const;
  /// Stops listening, finishes requests in flight and joins the thread.
  /// Safe to call more than once.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Runs the server until SIGINT or SIGTERM, then stops it cleanly. Prints
/// "Serving <title> at <url> (Ctrl-C to stop)" to stdout and a warning when
/// the address is not loopback. Returns the exit code: 0 after a signal, 2
/// when the server could not start (the reason on stderr).
int Serve(const config::SiteConfig& cfg, const ServeOptions& options);

}  // namespace casebook::server
