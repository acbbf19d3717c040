// ArchiveServer: the one translation unit that includes <httplib.h>.
// Routing, security headers, limits, logging. (Serve() is in serve.cc.)
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "render/templates.h"
#include "server/search_pages.h"
#include "server/server.h"
#include "server/static_files.h"
#include "util/diagnostics.h"
#include "util/text.h"

namespace casebook::server {
namespace {

using Clock = std::chrono::steady_clock;

// Set by the pre-routing handler, read by the logger; both run on the thread
// that handles the request. Zero when the request failed before routing.
thread_local Clock::time_point t_request_start{};

const httplib::Headers& SecurityHeaders() {
  static const httplib::Headers kHeaders = {
      // style-src-attr: the theme colours severity badges from site.toml
      // with style="" attributes (values validated as #rrggbb by the
      // renderer). Attributes cannot load anything (img-src is 'self'), and
      // <style> elements and stylesheets stay limited to 'self'. Drop it once
      // badges use classes.
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline'; "
       "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
  };
  return kHeaders;
}

// Request paths go to a terminal: keep them printable and short.
std::string PrintablePath(const std::string& s) {
  std::string out;
  for (unsigned char c : s.substr(0, 300)) {
    if (c < 0x20 || c == 0x7f || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > 300) out += "...";
  return out;
}

// Why bind() failed, for the error message (httplib does not say).
std::string BindFailureReason(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res)
    return "cannot resolve address " + host;
  std::string reason = "cannot listen";
  int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
  if (fd >= 0) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
      reason = errno == EADDRINUSE ? "address already in use (is another server running?)"
                                   : std::strerror(errno);
    }
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return reason;
}

// DNS rebinding: a web page on another site can point its own host name at
// 127.0.0.1 and read a loopback server through the visitor's browser. The
// Host header then names the attacker's domain, so a server bound to
// loopback only accepts loopback names (or no Host at all: not a browser).
bool IsLoopbackHostHeader(const std::string& header, const std::string& bind) {
  if (header.empty()) return true;
  std::string host = util::ToLowerAscii(header);
  if (host.front() == '[') {
    size_t close = host.find(']');
    host = close == std::string::npos ? host : host.substr(1, close - 1);
  } else if (size_t colon = host.find(':'); colon != std::string::npos &&
                                            host.find(':', colon + 1) == std::string::npos) {
    host = host.substr(0, colon);
  }
  return host == util::ToLowerAscii(bind) || IsLoopbackAddress(host);
}

// Polls <base>__casebook/live once a second and reloads the page when the
// answer changes (a new site was published). Quiet while the server is away.
constexpr char kLiveReloadJs[] = R"js(// casebook serve --watch: reloads this page when a new build is published.
(function () {
  var url = document.currentScript.getAttribute("data-live"), seen = null;
  function check() {
    fetch(url, { cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (t) {
        if (t !== null && seen !== null && t !== seen) location.reload();
        else if (t !== null) seen = t;
      })
      .catch(function () {})
      .then(function () { setTimeout(check, 1000); });
  }
  check();
})();
)js";

std::string HostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

struct ArchiveServer::Impl {
  config::SiteConfig cfg;
  ServeOptions options;
  std::string base_path;
  bool loopback_only = true;  // bound to loopback: check Host headers
  httplib::Server http;
  std::thread thread;
  std::atomic<bool> listen_returned{false};  // the accept loop has ended
  int port = 0;
  bool started = false;       // the accept thread exists
  bool start_called = false;  // Start() is once per object
  std::unique_ptr<render::TemplateSet> templates;
  std::unique_ptr<SearchPages> search;

  void Log(const std::string& line) const {
    if (options.log) {
      options.log(line);
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  }

  void SetPage(httplib::Response& res, int status, const std::string& message) const {
    res.status = status;
    res.set_content(ErrorPageHtml(status, message, base_path), "text/html; charset=utf-8");
  }

  // The site's own 404.html when there is one (resolved like any file).
  void NotFound(httplib::Response& res) const {
    StaticTarget t = ResolveStatic(cfg.OutputDir(), base_path, base_path + "404.html");
    if (t.status == StaticStatus::kFile) {
      if (auto body = ReadSmallFile(t.file)) {
        res.status = 404;
        if (options.live_reload) InjectLiveReload(&*body);  // the page may be on its way
        res.set_content(*body, "text/html; charset=utf-8");
        return;
      }
    }
    SetPage(res, 404, "There is no page at this address.");
  }

  static std::optional<std::string> ReadSmallFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string out;
    char buf[16384];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && out.size() < (4u << 20)) out.append(buf, n);
    ::close(fd);
    return out;
  }

  // Which site is published: publishing swaps the output folder for the
  // staging one, so its inode and change time differ after every build.
  std::string PublishedGeneration() const {
    struct stat st;
    if (::stat(cfg.OutputDir().c_str(), &st) != 0) return "none";
    return std::to_string(st.st_ino) + "." + std::to_string(st.st_ctim.tv_sec) + "." +
           std::to_string(st.st_ctim.tv_nsec);
  }

  // The live-reload script, before the page's last </body>.
  void InjectLiveReload(std::string* html) const {
    std::string tag = "<script src=\"" + base_path + "__casebook/live.js\" data-live=\"" +
                      base_path + "__casebook/live\"></script>\n";
    size_t at = html->rfind("</body>");
    html->insert(at == std::string::npos ? html->size() : at, tag);
  }

  void ServeFile(const StaticTarget& target, httplib::Response& res) const {
    int fd = ::open(target.file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      if (fd >= 0) ::close(fd);
      NotFound(res);
      return;
    }
    res.status = 200;
    res.set_header("Cache-Control", "no-cache");
    const std::string type = ContentTypeFor(target.file);
    // An HTML page goes out with the live-reload script; large ones (the
    // biggest lists) as they are.
    if (options.live_reload && type.rfind("text/html", 0) == 0 && st.st_size < (4 << 20)) {
      std::string body(static_cast<size_t>(st.st_size), '\0');
      ssize_t n = ::pread(fd, body.data(), body.size(), 0);
      ::close(fd);
      body.resize(n > 0 ? static_cast<size_t>(n) : 0);
      InjectLiveReload(&body);
      res.set_content(body, type);
      return;
    }
    res.set_content_provider(
        static_cast<size_t>(st.st_size), type,
        [fd](size_t offset, size_t length, httplib::DataSink& sink) {
          char buf[65536];
          while (length > 0) {
            ssize_t n = ::pread(fd, buf, std::min(length, sizeof buf), static_cast<off_t>(offset));
            if (n <= 0) return false;  // file shrank or I/O error: drop the connection
            if (!sink.write(buf, static_cast<size_t>(n))) return false;
            offset += static_cast<size_t>(n);
            length -= static_cast<size_t>(n);
          }
          return true;
        },
        [fd](bool) { ::close(fd); });
  }

  void HandleGet(const httplib::Request& req, httplib::Response& res) {
    std::string raw(PathOfTarget(req.target));
    std::string decoded = PercentDecode(raw).value_or(raw);
    if (decoded == base_path + "search" || decoded == base_path + "search/" ||
        decoded == base_path + "api/search" || decoded == base_path + "api/search/") {
      SearchParams p;
      p.q = req.get_param_value("q");
      p.offset = req.get_param_value("offset");
      p.limit = req.get_param_value("limit");
      p.sort = req.get_param_value("sort");
      const bool api = util::StartsWith(decoded, base_path + "api/");
      PageResponse page = api ? search->Api(p) : search->Html(p);
      res.status = page.status;
      res.set_header("Cache-Control", "no-store");
      res.set_content(page.body, page.content_type);
      return;
    }
    if (options.live_reload && decoded == base_path + "__casebook/live") {
      res.set_header("Cache-Control", "no-store");
      res.set_content(PublishedGeneration(), "text/plain; charset=utf-8");
      return;
    }
    if (options.live_reload && decoded == base_path + "__casebook/live.js") {
      res.set_header("Cache-Control", "no-cache");
      res.set_content(kLiveReloadJs, "text/javascript; charset=utf-8");
      return;
    }
    StaticTarget t = ResolveStatic(cfg.OutputDir(), base_path, raw);
    switch (t.status) {
      case StaticStatus::kFile: ServeFile(t, res); return;
      case StaticStatus::kRedirect: res.set_redirect(t.location, 301); return;
      case StaticStatus::kNotFound: NotFound(res); return;
      case StaticStatus::kForbidden: SetPage(res, 403, "This path is not part of the site."); return;
      case StaticStatus::kBadRequest: SetPage(res, 400, "Malformed request path."); return;
    }
  }

  void Configure() {
    http.set_socket_options([](int sock) {
      // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would
      // let a second server share the port silently.
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    // Headers and body go out in separate writes: without TCP_NODELAY, Nagle
    // and the client's delayed ACK held every keep-alive response ~40 ms.
    http.set_tcp_nodelay(true);
    http.set_default_headers(SecurityHeaders());
    http.set_payload_max_length(options.max_body_bytes);
    http.set_read_timeout(options.read_timeout_seconds, 0);
    http.set_write_timeout(options.read_timeout_seconds, 0);
    http.set_keep_alive_timeout(options.keep_alive_seconds);
    http.set_keep_alive_max_count(static_cast<size_t>(options.keep_alive_max_requests));
    // httplib's default pool has 8 threads, and a keep-alive connection holds
    // its thread between requests: with more open connections than threads
    // (a browser opens 6, a team more) the rest waited for a keep-alive
    // timeout. Threads are cheap next to that.
    const size_t threads = options.threads;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };

    // GET and HEAD are answered here, before httplib's regex routing: no
    // std::regex runs over request paths, and paths with any byte reach
    // ResolveStatic (which decides what is allowed).
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      t_request_start = Clock::now();
      if (loopback_only && !IsLoopbackHostHeader(req.get_header_value("Host"), options.bind)) {
        SetPage(res, 403, "This server only answers requests for localhost (Host header).");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (req.method == "GET" || req.method == "HEAD") {
        HandleGet(req, res);
        return httplib::Server::HandlerResponse::Handled;
      }
      // Methods that may carry a body are refused by the handlers below,
      // after httplib has read (and size-checked) the body, so the
      // connection stays in sync.
      static const char* kWithBody[] = {"POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
      for (const char* m : kWithBody)
        if (req.method == m) return httplib::Server::HandlerResponse::Unhandled;
      MethodNotAllowed(res);
      return httplib::Server::HandlerResponse::Handled;
    });
    auto refuse = [this](const httplib::Request&, httplib::Response& res) { MethodNotAllowed(res); };
    http.Post(".*", refuse);
    http.Put(".*", refuse);
    http.Patch(".*", refuse);
    http.Delete(".*", refuse);
    http.Options(".*", refuse);

    // Called for every status >= 400: fill in a body where there is none
    // (errors httplib produces itself: 400, 413, 414, ...).
    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) {
          // After a malformed request the stream cannot be trusted: ask the
          // client to close rather than holding a worker until keep-alive ends.
          if (res.status == 400 || res.status == 413 || res.status == 414 || res.status == 431)
            res.set_header("Connection", "close");
          if (!res.body.empty() || res.content_provider_) return httplib::Server::HandlerResponse::Handled;
          if (res.status == 404 && (req.method == "GET" || req.method == "HEAD")) {
            NotFound(res);
          } else {
            SetPage(res, res.status, "The request could not be handled.");
          }
          return httplib::Server::HandlerResponse::Handled;
        }));
    http.set_exception_handler(
        [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "unknown exception";
          try {
            if (ep) std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          Log("error: " + req.method + " " + PrintablePath(req.path) + ": " + PrintablePath(what));
          res.headers = SecurityHeaders();
          SetPage(res, 500, "Something went wrong on the server; the error was logged.");
        });
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      size_t bytes = res.body.empty() ? res.content_length_ : res.body.size();
      char line[512];
      if (t_request_start != Clock::time_point{}) {
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t_request_start).count();
        std::snprintf(line, sizeof line, " %d %zu %.1fms", res.status, bytes, ms);
      } else {
        std::snprintf(line, sizeof line, " %d %zu -", res.status, bytes);
      }
      t_request_start = Clock::time_point{};
      std::string method = req.method.empty() ? "-" : PrintablePath(req.method);
      std::string path = req.path.empty() ? "-" : PrintablePath(std::string(PathOfTarget(req.target)));
      Log(method + " " + path + line);
    });
  }

  void MethodNotAllowed(httplib::Response& res) const {
    res.set_header("Allow", "GET, HEAD");
    SetPage(res, 405, "Only GET and HEAD are supported.");
  }
};

ArchiveServer::ArchiveServer(const config::SiteConfig& cfg, ServeOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->cfg = cfg;
  impl_->options = std::move(options);
  impl_->base_path = cfg.BasePath();
  impl_->loopback_only = IsLoopbackAddress(impl_->options.bind);
}

ArchiveServer::~ArchiveServer() { Stop(); }

bool ArchiveServer::Start(std::string* error) {
  Impl& s = *impl_;
  if (s.start_called) {
    *error = "Start() was already called; use a new ArchiveServer";
    return false;
  }
  s.start_called = true;
  if (s.options.port < 0 || s.options.port > 65535) {
    *error = "port " + std::to_string(s.options.port) + " is out of range";
    return false;
  }
  s.Configure();  // before binding: it sets the socket options
  if (s.options.port == 0) {
    s.port = s.http.bind_to_any_port(s.options.bind);
    if (s.port <= 0) {
      *error = "cannot listen on " + s.options.bind + ": " + BindFailureReason(s.options.bind, 0);
      return false;
    }
  } else {
    if (!s.http.bind_to_port(s.options.bind, s.options.port)) {
      *error = HostForUrl(s.options.bind) + ":" + std::to_string(s.options.port) + ": " +
               BindFailureReason(s.options.bind, s.options.port);
      return false;
    }
    s.port = s.options.port;
  }
  // Handlers run only once the accept loop starts, so these are in place
  // before any request can use them.
  util::Diagnostics diags;
  s.templates = render::TemplateSet::Load(s.cfg, &diags);
  for (const auto& d : diags.items())
    s.Log(std::string(d.level == util::Level::kError ? "theme error: " : "theme warning: ") + d.Format());
  if (!s.templates) s.Log("warning: the theme could not be loaded; search results use a plain page");
  s.search = std::make_unique<SearchPages>(s.cfg, s.templates.get(), s.options.max_query_bytes);

  s.listen_returned = false;
  s.thread = std::thread([&s] {
    s.http.listen_after_bind();
    s.listen_returned = true;
  });
  s.started = true;
  // httplib 0.11 has no wait_until_ready(): stop() is a no-op until the
  // accept loop runs, so wait for it (the socket already queues connections).
  for (int i = 0; i < 500 && !s.http.is_running() && !s.listen_returned; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!s.http.is_running()) {
    Stop();
    *error = "the server did not start";
    return false;
  }
  return true;
}

int ArchiveServer::port() const { return impl_->port; }

std::string ArchiveServer::Url() const {
  return "http://" + HostForUrl(impl_->options.bind) + ":" + std::to_string(impl_->port) +
         impl_->base_path;
}

bool ArchiveServer::running() const { return impl_->started && impl_->http.is_running(); }

void ArchiveServer::Stop() {
  Impl& s = *impl_;
  if (!s.started) return;
  // Wait for the accept loop so stop() is not lost (see Start).
  for (int i = 0; i < 500 && !s.http.is_running() && !s.listen_returned; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  s.http.stop();
  if (s.thread.joinable()) s.thread.join();
  s.started = false;
}

}  // namespace casebook::server
