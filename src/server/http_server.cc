// ArchiveServer: the one translation unit that includes <httplib.h>.
// Routing, security headers, limits, logging. (Serve() is in serve.cc.)
//
// cpp-httplib is Debian's 0.11.4, built as a shared library: its
// CPPHTTPLIB_* settings are those Debian compiled in (a listen backlog of 5,
// among others), and by design it gives each connection a thread for as long
// as it is open and each request a fresh SocketStream (pipelined bytes were
// lost). So it does only what it does well: parse a request head, route,
// write a response. Connections are ours (connections.h): httplib's accept
// loop hands each socket over through process_and_close_socket (a private
// virtual, overridden below), and workers call the protected
// process_request on a stream over the bytes the gate buffered. Both are
// 0.11 API: a newer httplib that changes them fails to compile here, loudly.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
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
#include "server/byte_ranges.h"
#include "server/connections.h"
#include "server/gzip.h"
#include "server/request_head.h"
#include "server/search_pages.h"
#include "server/server.h"
#include "server/static_files.h"
#include "util/diagnostics.h"
#include "util/hash.h"
#include "util/text.h"

namespace casebook::server {
namespace {

using Clock = std::chrono::steady_clock;

// Set by the pre-routing handler, read by the logger; both run on the thread
// that handles the request. Zero when the request failed before routing.
thread_local Clock::time_point t_request_start{};

// What the connection layer took out of the request head being answered
// (request_head.h says why), and what the handlers decided about the
// connection. Set and read on the worker thread answering the request.
struct RequestContext {
  HeadFields fields;
  bool close_after = false;  // an error: do not trust the rest of the stream
};
thread_local RequestContext t_context;

// Responses that go to a client slower than this (after the first
// write_timeout) are abandoned, so a client reading a byte a second cannot
// hold a worker for hours.
constexpr uint64_t kMinSendBytesPerSecond = 16 * 1024;
// Pipelined requests answered in one turn before the connection goes back
// in line behind the others.
constexpr int kMaxRequestsPerTurn = 16;
// Files up to this size are gzipped (and cached compressed); larger ones
// go as they are.
constexpr off_t kMaxGzipFileBytes = 64 << 20;
constexpr size_t kGzipCacheBytes = 64 << 20;
constexpr size_t kMinGzipBytes = 256;

// httplib's server with our connection handling: accepted sockets go to
// `on_accept` (Connections), and Answer() runs one request from a stream.
class HttpCore : public httplib::Server {
 public:
  std::function<void(int)> on_accept;
  bool Answer(httplib::Stream& stream, bool close_connection, bool& connection_closed) {
    return process_request(stream, close_connection, connection_closed, nullptr);
  }

 private:
  // Called by httplib's accept loop (through InlineQueue) for each socket.
  bool process_and_close_socket(int sock) override {
    on_accept(sock);
    return true;
  }
};

// Runs each accepted socket's task at once on the accept thread: the task is
// HttpCore::process_and_close_socket, which only hands the socket over.
class InlineQueue : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

// One connection's buffered bytes as an httplib::Stream. Reads come only
// from what the gate buffered (a complete head): a worker never waits for a
// client to send. Writes wait for the client to read, within limits.
class ConnectionStream : public httplib::Stream {
 public:
  ConnectionStream(Connection& c, int write_timeout_ms) : c_(c), write_timeout_ms_(write_timeout_ms) {}

  void BeginResponse() {
    started_ = Clock::now();
    written_ = 0;
  }
  size_t consumed() const { return pos_; }
  void DropConsumed() {
    c_.buffer.erase(0, pos_);
    pos_ = 0;
  }

  bool is_readable() const override { return pos_ < c_.buffer.size(); }
  bool is_writable() const override {
    pollfd p{c_.fd, POLLOUT, 0};
    return ::poll(&p, 1, write_timeout_ms_) > 0 && !(p.revents & (POLLERR | POLLHUP));
  }
  ssize_t read(char* ptr, size_t size) override {
    size_t n = std::min(size, c_.buffer.size() - pos_);
    std::memcpy(ptr, c_.buffer.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);  // 0 at the end of the buffer: "closed"
  }
  ssize_t write(const char* ptr, size_t size) override {
    size_t sent = 0;
    while (sent < size) {
      ssize_t n = ::send(c_.fd, ptr + sent, size - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        written_ += static_cast<uint64_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
      const long long elapsed =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count();
      const long long allowed = write_timeout_ms_ + static_cast<long long>(written_ * 1000 / kMinSendBytesPerSecond);
      const long long left = std::min<long long>(allowed - elapsed, write_timeout_ms_);
      pollfd p{c_.fd, POLLOUT, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return -1;
    }
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(c_.fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) Describe(addr, len, &ip, &port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(c_.fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) Describe(addr, len, &ip, &port);
  }
  socket_t socket() const override { return c_.fd; }

 private:
  static void Describe(const sockaddr_storage& addr, socklen_t len, std::string* ip, int* port) {
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                      NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
      *ip = host;
      *port = std::atoi(serv);
    }
  }

  Connection& c_;
  int write_timeout_ms_;
  size_t pos_ = 0;
  Clock::time_point started_ = Clock::now();
  uint64_t written_ = 0;
};

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

// Connections must leave file descriptors for files, the index and the
// listening socket: past the limit accept() fails (httplib then retries
// every millisecond) instead of the gate evicting the oldest waiting one.
size_t ConnectionsTheFdLimitAllows() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return SIZE_MAX;
  constexpr rlim_t kReserve = 128;
  return lim.rlim_cur > kReserve * 2 ? static_cast<size_t>(lim.rlim_cur - kReserve)
                                     : static_cast<size_t>(lim.rlim_cur / 2);
}

std::string HostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

struct ArchiveServer::Impl {
  config::SiteConfig cfg;
  ServeOptions options;
  std::string base_path;
  bool loopback_only = true;  // bound to loopback: check Host headers
  HttpCore http;
  std::unique_ptr<Connections> connections;
  GzipCache gzip_cache{kGzipCacheBytes};
  std::atomic<int> listen_fd{-1};  // captured when httplib creates it
  std::atomic<bool> stopping{false};
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

  // Text in memory (pages, search results, errors): Vary, and gzip when the
  // client takes it.
  void FinishStringBody(httplib::Response& res) const {
    if (res.content_provider_ || res.body.empty()) return;
    const std::string type = res.get_header_value("Content-Type");
    if (!IsCompressibleType(type)) return;
    res.set_header("Vary", "Accept-Encoding");
    if (res.body.size() >= kMinGzipBytes && AcceptsGzip(t_context.fields.accept_encoding)) {
      res.body = GzipString(res.body);
      res.set_header("Content-Encoding", "gzip");
    }
  }

  // The bytes [offset, offset + length) of the open file as the body.
  static void SendFileSlice(httplib::Response& res, int fd, uint64_t offset, uint64_t length,
                            const std::string& type) {
    if (length == 0) {  // httplib sends no Content-Length for an empty provider
      ::close(fd);
      res.set_content(std::string(), type);
      return;
    }
    res.set_content_provider(
        static_cast<size_t>(length), type,
        [fd, offset](size_t at, size_t length, httplib::DataSink& sink) {
          char buf[65536];
          uint64_t pos = offset + at;
          while (length > 0) {
            ssize_t n = ::pread(fd, buf, std::min(length, sizeof buf), static_cast<off_t>(pos));
            if (n <= 0) return false;  // file shrank or I/O error: drop the connection
            if (!sink.write(buf, static_cast<size_t>(n))) return false;
            pos += static_cast<size_t>(n);
            length -= static_cast<size_t>(n);
          }
          return true;
        },
        [fd](bool) { ::close(fd); });
  }

  static std::string ReadSlice(int fd, uint64_t offset, uint64_t length) {
    std::string out(static_cast<size_t>(length), '\0');
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    out.resize(done);
    return out;
  }

  void ServeFile(const StaticTarget& target, httplib::Response& res) {
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
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    // An HTML page goes out with the live-reload script; large ones (the
    // biggest lists) as they are.
    if (options.live_reload && type.rfind("text/html", 0) == 0 && st.st_size < (4 << 20)) {
      std::string body = ReadSlice(fd, 0, size);
      ::close(fd);
      InjectLiveReload(&body);
      res.set_content(body, type);
      return;
    }
    const bool compressible = IsCompressibleType(type);
    if (compressible) res.set_header("Vary", "Accept-Encoding");
    res.set_header("Accept-Ranges", "bytes");

    // Ranges apply to the file as it is (never to a gzipped copy).
    const HeadFields& f = t_context.fields;
    RangeRequest ranges;
    if (!f.range.empty() && !f.several_ranges && f.if_range.empty())
      ranges = ParseRangeHeader(f.range, size);
    if (ranges.verdict == RangeVerdict::kUnsatisfiable) {
      ::close(fd);
      res.headers.erase("Accept-Ranges");
      res.set_header("Content-Range", "bytes */" + std::to_string(size));
      SetPage(res, 416, "The requested range is not part of this file.");
      return;
    }
    if (ranges.verdict == RangeVerdict::kPartial) {
      res.status = 206;
      if (ranges.ranges.size() == 1) {
        const ByteRange& r = ranges.ranges.front();
        res.set_header("Content-Range", ContentRangeValue(r, size));
        SendFileSlice(res, fd, r.first, r.length(), type);
        return;
      }
      // Several ranges: one multipart body (at most the file's size, since
      // ranges are merged). The boundary comes from the parts' bytes, so
      // the same request gives the same response.
      std::vector<std::string> parts;
      util::StreamHash hash;
      for (const ByteRange& r : ranges.ranges) {
        parts.push_back(ReadSlice(fd, r.first, r.length()));
        hash.AddString(parts.back());
      }
      ::close(fd);
      const std::string boundary = "casebook-" + hash.Hex();
      size_t next = 0;
      std::string body = MultipartByteranges(ranges.ranges, size, type, boundary,
                                             [&](uint64_t, uint64_t) { return parts[next++]; });
      res.set_content(body, "multipart/byteranges; boundary=" + boundary);
      return;
    }

    if (compressible && st.st_size >= static_cast<off_t>(kMinGzipBytes) && st.st_size <= kMaxGzipFileBytes &&
        AcceptsGzip(f.accept_encoding)) {
      // The file's identity and version: a build replaces files (new inode)
      // or rewrites them (new size or change time).
      const std::string key = target.file + "\n" + std::to_string(st.st_dev) + ":" +
                              std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
                              std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
      std::shared_ptr<const std::string> zipped = gzip_cache.Find(key);
      if (!zipped) {
        zipped = GzipFile(fd);
        gzip_cache.Put(key, zipped);
      }
      ::close(fd);
      if (!zipped) {
        SetPage(res, 500, "The file could not be read.");
        return;
      }
      res.set_header("Content-Encoding", "gzip");
      res.set_content_provider(
          zipped->size(), type,
          [zipped](size_t offset, size_t length, httplib::DataSink& sink) {
            return sink.write(zipped->data() + offset, length);
          });
      return;
    }
    SendFileSlice(res, fd, 0, size, type);
  }

  void HandleGet(const httplib::Request& req, httplib::Response& res) {
    std::string raw(PathOfTarget(req.target));
    std::string decoded = PercentDecode(raw).value_or(raw);
    // search/index.html: where the search form points with relative_urls.
    if (decoded == base_path + "search" || decoded == base_path + "search/" ||
        decoded == base_path + "search/index.html" ||
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
      if (page.status == 503) res.set_header("Retry-After", "1");
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

  // Answers the complete requests at the start of c.buffer (on a worker).
  AfterRequests AnswerRequests(Connection& c) {
    ConnectionStream stream(c, options.read_timeout_seconds * 1000);
    for (int turn = 0; turn < kMaxRequestsPerTurn; ++turn) {
      size_t head = RequestHeadLength(c.buffer);
      if (head == 0) return AfterRequests::kKeepOpen;  // wait for the next one
      t_context = RequestContext{};
      t_context.fields = TakeHeadFields(&c.buffer, &head, options.max_body_bytes);
      // A declared body is never read: answer, then close (request_head.h).
      const bool last = c.requests + 1 >= options.keep_alive_max_requests ||
                        t_context.fields.declares_body || stopping;
      bool closed = false;
      stream.BeginResponse();
      const bool written = http.Answer(stream, last, closed);
      ++c.requests;
      // httplib stops reading at the end of a head it could parse; anything
      // else means the stream is out of step: close.
      const bool in_step = stream.consumed() == head;
      stream.DropConsumed();
      if (!written) return AfterRequests::kClose;
      if (last || closed || !in_step || t_context.close_after) {
        return t_context.fields.declares_body || !c.buffer.empty() ? AfterRequests::kCloseGently
                                                                   : AfterRequests::kClose;
      }
    }
    return AfterRequests::kKeepOpen;  // more pipelined: back in line
  }

  // The gate's own refusals (no request was parsed): a whole raw response.
  std::string Refusal(int status) const {
    const char* message = status == 408   ? "The request took too long to arrive."
                          : status == 414 ? "The request line is too long."
                                          : "The request header is too large.";
    std::string body = ErrorPageHtml(status, message, base_path);
    std::string raw = "HTTP/1.1 " + std::to_string(status) + " " + StatusText(status) + "\r\n";
    for (const auto& [name, value] : SecurityHeaders()) raw += name + ": " + value + "\r\n";
    raw += "Content-Type: text/html; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
    return raw;
  }

  void Configure() {
    http.set_socket_options([this](int sock) {
      // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would
      // let a second server share the port silently.
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      listen_fd = sock;  // the listen backlog is set on it after bind (Start)
    });
    http.set_tcp_nodelay(true);
    http.set_default_headers(SecurityHeaders());
    http.set_payload_max_length(options.max_body_bytes);
    // For the Keep-Alive header httplib writes; the gate enforces both.
    http.set_keep_alive_timeout(options.keep_alive_seconds);
    http.set_keep_alive_max_count(static_cast<size_t>(options.keep_alive_max_requests));
    http.new_task_queue = [] { return new InlineQueue; };
    http.on_accept = [this](int sock) {
      // Headers and body go out in separate writes: without TCP_NODELAY,
      // Nagle and the client's delayed ACK held keep-alive responses ~40 ms.
      int yes = 1;
      ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      connections->Add(sock);
    };

    // Every request is answered here, before httplib's regex routing: no
    // std::regex runs over request paths, and paths with any byte reach
    // ResolveStatic (which decides what is allowed).
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      t_request_start = Clock::now();
      if (loopback_only && !IsLoopbackHostHeader(req.get_header_value("Host"), options.bind)) {
        SetPage(res, 403, "This server only answers requests for localhost (Host header).");
      } else if (t_context.fields.content_length_too_big) {
        SetPage(res, 413, "Request bodies are not accepted here.");
      } else if (req.method == "GET" || req.method == "HEAD") {
        HandleGet(req, res);
      } else {
        MethodNotAllowed(res);  // a body it declared is not read (request_head.h)
      }
      FinishStringBody(res);
      return httplib::Server::HandlerResponse::Handled;
    });

    // Called for every status >= 400: fill in a body where there is none
    // (errors httplib produces itself: 400, 414, ...).
    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) {
          // After a malformed request the stream cannot be trusted: close.
          if (res.status == 400 || res.status == 413 || res.status == 414 || res.status == 431) {
            res.set_header("Connection", "close");
            t_context.close_after = true;
          }
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
  // httplib listens with its compiled-in backlog of 5: under a burst of
  // connections (ab -c 200) the rest waited for SYN retries, 1 s and more.
  // listen() again on the bound socket sets a new backlog.
  if (s.listen_fd >= 0) ::listen(s.listen_fd, s.options.listen_backlog);

  ConnectionLimits limits;
  limits.workers = s.options.threads;
  limits.max_head_bytes = s.options.max_header_bytes;
  limits.head_timeout_ms = s.options.read_timeout_seconds * 1000;
  limits.idle_timeout_ms = s.options.keep_alive_seconds * 1000;
  limits.max_connections = std::min(s.options.max_connections, ConnectionsTheFdLimitAllows());
  s.connections = std::make_unique<Connections>(
      limits, [&s](Connection& c) { return s.AnswerRequests(c); },
      [&s](int status) { return s.Refusal(status); });
  if (!s.connections->Start(error)) {
    s.http.stop();
    return false;
  }
  // Handlers run only once the accept loop starts, so these are in place
  // before any request can use them.
  util::Diagnostics diags;
  s.templates = render::TemplateSet::Load(s.cfg, &diags);
  for (const auto& d : diags.items())
    s.Log(std::string(d.level == util::Level::kError ? "theme error: " : "theme warning: ") + d.Format());
  if (!s.templates) s.Log("warning: the theme could not be loaded; search results use a plain page");
  s.search = std::make_unique<SearchPages>(s.cfg, s.templates.get(), s.options.max_query_bytes,
                                           s.options.max_concurrent_searches);

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
  s.stopping = true;
  s.http.stop();
  if (s.thread.joinable()) s.thread.join();
  if (s.connections) s.connections->Stop();
  s.started = false;
}

}  // namespace casebook::server
