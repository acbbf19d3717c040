// `casebook serve` under abuse, end to end on 127.0.0.1: idle and half-sent
// connections, pipelining, timeouts, header and body limits, byte ranges,
// gzip. Raw sockets, 5 s receive timeouts: "answered at all" is the only
// thing timed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "server/gzip.h"
#include "server/server.h"
#include "config/config.h"
#include "util/diagnostics.h"
#include "test_support.h"
#include "util/text.h"

using casebook::test::Get;
using casebook::test::HttpResponse;
using casebook::test::Parse;
using casebook::test::TempDir;
namespace server = casebook::server;

namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// 100 bytes, each position recognisable.
std::string Digits100() {
  std::string s;
  for (int i = 0; i < 10; ++i) s += "0123456789";
  return s;
}

std::string LongCss() {
  std::string s;
  for (int i = 0; i < 200; ++i) s += ".c" + std::to_string(i) + " { color: #123456; }\n";
  return s;
}

// A built-looking site: site.toml, a tiny theme, and an output folder.
struct ServedSite {
  TempDir dir;
  casebook::config::SiteConfig cfg;

  ServedSite() {
    dir.Write("site.toml", "title = \"Abuse\"\nbase_url = \"/\"\ntheme = \"t\"\n");
    dir.Write("themes/t/templates/base.mustache", "<html><body>{{{content}}}</body></html>\n");
    dir.Write("public/index.html", "<!DOCTYPE html><title>Home</title><p>HOME PAGE</p>");
    dir.Write("public/digits.txt", Digits100());
    dir.Write("public/css/site.css", LongCss());
    dir.Write("public/logo.png", std::string(400, 'P'));
    dir.Write("public/404.html", "<p>SITE 404 PAGE</p>" + std::string(400, ' '));
    casebook::util::Diagnostics diags;
    cfg = casebook::config::Load(dir.path() + "/site.toml", &diags);
    REQUIRE_FALSE(diags.HasErrors());
  }

  server::ServeOptions Options() const {
    server::ServeOptions o;
    o.port = 0;
    o.log = [](const std::string&) {};
    return o;
  }
};

// A client socket to 127.0.0.1:port with 5 s timeouts; closed on scope exit.
struct Client {
  int fd = -1;
  explicit Client(int port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Client() { ::close(fd); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void Send(const std::string& s) const {
    size_t sent = 0;
    while (sent < s.size()) {
      ssize_t n = ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }
  // Everything until the server closes (or 5 s pass without a byte).
  std::string ReadAll() const {
    std::string out;
    char buf[16384];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  // True when the server closes the connection within 5 s (whatever it
  // sends first); false when the wait times out.
  bool ClosedByServer(std::string* received = nullptr) const {
    char buf[16384];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0)
      if (received) received->append(buf, static_cast<size_t>(n));
    return n == 0;
  }
  // One response with a Content-Length (keep-alive).
  std::string ReadOne() const {
    std::string out;
    char buf[1];
    while (!Contains(out, "\r\n\r\n") && ::recv(fd, buf, 1, 0) == 1) out += buf[0];
    HttpResponse head = Parse(out);
    size_t length = head.Header("content-length").empty() ? 0 : std::stoul(head.Header("content-length"));
    std::string body(length, '\0');
    size_t got = 0;
    ssize_t n;
    while (got < length && (n = ::recv(fd, body.data() + got, length - got, 0)) > 0) got += static_cast<size_t>(n);
    return out + body.substr(0, got);
  }
};

// Responses one after another in `raw` (each with a Content-Length).
std::vector<HttpResponse> SplitResponses(const std::string& raw) {
  std::vector<HttpResponse> out;
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t end = raw.find("\r\n\r\n", pos);
    if (end == std::string::npos) break;
    HttpResponse r = Parse(raw.substr(pos, end + 4 - pos));
    size_t length = r.Header("content-length").empty() ? 0 : std::stoul(r.Header("content-length"));
    r.body = raw.substr(end + 4, length);
    out.push_back(r);
    pos = end + 4 + length;
  }
  return out;
}

HttpResponse GetWith(int port, const std::string& target, const std::string& headers,
                     const std::string& method = "GET") {
  Client c(port);
  c.Send(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "Connection: close\r\n\r\n");
  return Parse(c.ReadAll());
}

}  // namespace

TEST_CASE("serve: pipelined requests get all their responses, in order", "[server]") {
  ServedSite site;
  server::ArchiveServer srv(site.cfg, site.Options());
  std::string error;
  REQUIRE(srv.Start(&error));
  Client c(srv.port());
  c.Send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
         "GET /nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
         "HEAD /digits.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
         "GET /digits.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  // HEAD's Content-Length describes a body that is not sent: split by hand.
  std::string raw = c.ReadAll();
  size_t head_at = raw.find("HTTP/1.1 200", raw.find("SITE 404 PAGE"));
  REQUIRE(head_at != std::string::npos);
  std::vector<HttpResponse> before = SplitResponses(raw.substr(0, head_at));
  REQUIRE(before.size() == 2);
  CHECK(before[0].status == 200);
  CHECK(Contains(before[0].body, "HOME PAGE"));
  CHECK(before[1].status == 404);
  CHECK(Contains(before[1].body, "SITE 404 PAGE"));
  size_t head_end = raw.find("\r\n\r\n", head_at) + 4;
  CHECK(Parse(raw.substr(head_at, head_end - head_at)).Header("content-length") == "100");
  std::vector<HttpResponse> after = SplitResponses(raw.substr(head_end));
  REQUIRE(after.size() == 1);
  CHECK(after[0].status == 200);
  CHECK(after[0].body == Digits100());

  // A head that arrives in pieces, and the next request in the same packet
  // as the end of the first.
  Client slow(srv.port());
  slow.Send("GET /digits.txt HT");
  ::usleep(50 * 1000);
  slow.Send("TP/1.1\r\nHost: 127.0.0.1\r\n");
  ::usleep(50 * 1000);
  slow.Send("\r\nGET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  std::vector<HttpResponse> two = SplitResponses(slow.ReadAll());
  REQUIRE(two.size() == 2);
  CHECK(two[0].body == Digits100());
  CHECK(Contains(two[1].body, "HOME PAGE"));
}

TEST_CASE("serve: idle, half-sent and keep-alive connections hold no worker", "[server]") {
  ServedSite site;
  server::ServeOptions o = site.Options();
  o.threads = 2;  // far fewer workers than connections
  server::ArchiveServer srv(site.cfg, o);
  std::string error;
  REQUIRE(srv.Start(&error));
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < 40; ++i) {
    held.push_back(std::make_unique<Client>(srv.port()));
    if (i % 2) held.back()->Send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
  }
  for (int i = 0; i < 4; ++i) {  // answered once, then kept open
    held.push_back(std::make_unique<Client>(srv.port()));
    held.back()->Send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    CHECK(Parse(held.back()->ReadOne()).status == 200);
  }
  auto r = Get(srv.port(), "/digits.txt");
  CHECK(r.status == 200);
  CHECK(r.body == Digits100());
  srv.Stop();  // with all of them still open
  CHECK_FALSE(srv.running());
}

TEST_CASE("serve: past max_connections the connection waiting longest is closed", "[server]") {
  ServedSite site;
  server::ServeOptions o = site.Options();
  o.max_connections = 4;
  server::ArchiveServer srv(site.cfg, o);
  std::string error;
  REQUIRE(srv.Start(&error));
  Client oldest(srv.port());
  oldest.Send("GET / HTTP/1.1\r\n");  // half a request, the first to wait
  ::usleep(100 * 1000);
  std::vector<std::unique_ptr<Client>> flood;
  for (int i = 0; i < 8; ++i) flood.push_back(std::make_unique<Client>(srv.port()));
  CHECK(oldest.ClosedByServer());  // to make room, long before its 10 s head timeout
  CHECK(Get(srv.port(), "/").status == 200);
}

TEST_CASE("serve: a request head that never ends gets 408, an idle connection is closed", "[server]") {
  ServedSite site;
  server::ServeOptions o = site.Options();
  o.read_timeout_seconds = 1;
  o.keep_alive_seconds = 1;
  server::ArchiveServer srv(site.cfg, o);
  std::string error;
  REQUIRE(srv.Start(&error));
  Client slow(srv.port());
  slow.Send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (int i = 0; i < 3; ++i) {
    ::usleep(200 * 1000);
    slow.Send("X");  // trickling bytes does not extend the deadline
  }
  HttpResponse timed_out = Parse(slow.ReadAll());  // ends when the server closes
  CHECK(timed_out.status == 408);
  CHECK(timed_out.Header("connection") == "close");
  CHECK(Contains(timed_out.body, "took too long"));

  Client idle(srv.port());
  std::string said;
  CHECK(idle.ClosedByServer(&said));  // after keep_alive_seconds
  CHECK(said.empty());                // without a word
  CHECK(Get(srv.port(), "/").status == 200);
}

TEST_CASE("serve: a client that stops reading does not keep the worker", "[server]") {
  ServedSite site;
  site.dir.Write("public/big.bin", std::string(32 << 20, 'b'));  // more than socket buffers hold
  server::ServeOptions o = site.Options();
  o.threads = 1;
  o.read_timeout_seconds = 1;  // a write that makes no progress for 1 s ends the response
  server::ArchiveServer srv(site.cfg, o);
  std::string error;
  REQUIRE(srv.Start(&error));
  Client stalled(srv.port());
  stalled.Send("GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");  // and never reads
  ::usleep(200 * 1000);
  auto r = Get(srv.port(), "/digits.txt");  // needs the only worker
  CHECK(r.status == 200);
  CHECK(r.body == Digits100());
}

TEST_CASE("serve: header and body limits", "[server]") {
  ServedSite site;
  server::ServeOptions o = site.Options();
  o.max_header_bytes = 4096;
  server::ArchiveServer srv(site.cfg, o);
  std::string error;
  REQUIRE(srv.Start(&error));
  const int port = srv.port();

  auto big_header = GetWith(port, "/", "X-Big: " + std::string(5000, 'a') + "\r\n");
  CHECK(big_header.status == 431);
  CHECK(big_header.Header("x-content-type-options") == "nosniff");
  Client endless_line(port);
  endless_line.Send("GET /" + std::string(5000, 'a'));
  CHECK(Parse(endless_line.ReadAll()).status == 414);

  // A body is never read: a declared one over the limit is 413 at once
  // (the client has not sent it), a small one on POST is 405; both close.
  Client huge(port);
  huge.Send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10485760\r\n\r\n");
  HttpResponse too_big = Parse(huge.ReadAll());
  CHECK(too_big.status == 413);
  CHECK(too_big.Header("connection") == "close");
  Client post(port);
  post.Send("POST /search/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 7\r\n\r\nq=kafka"
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  std::vector<HttpResponse> answered = SplitResponses(post.ReadAll());
  REQUIRE(answered.size() == 1);  // the "next request" was body: not answered
  CHECK(answered[0].status == 405);
  CHECK(answered[0].Header("allow") == "GET, HEAD");
  Client chunked(port);
  chunked.Send("GET /digits.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5\r\nhello\r\n0\r\n\r\n");
  std::vector<HttpResponse> one = SplitResponses(chunked.ReadAll());
  REQUIRE(one.size() == 1);
  CHECK(one[0].body == Digits100());

  CHECK(Get(port, "/").status == 200);
}

TEST_CASE("serve: byte ranges get 206, 416 or the whole file", "[server]") {
  ServedSite site;
  server::ArchiveServer srv(site.cfg, site.Options());
  std::string error;
  REQUIRE(srv.Start(&error));
  const int port = srv.port();
  const std::string digits = Digits100();

  auto full = Get(port, "/digits.txt");
  CHECK(full.Header("accept-ranges") == "bytes");

  auto first = GetWith(port, "/digits.txt", "Range: bytes=0-10\r\n");
  CHECK(first.status == 206);
  CHECK(first.body == digits.substr(0, 11));
  CHECK(first.Header("content-range") == "bytes 0-10/100");
  CHECK(first.Header("content-length") == "11");
  auto last = GetWith(port, "/digits.txt", "Range: bytes=-5\r\n");
  CHECK(last.status == 206);
  CHECK(last.body == "56789");
  CHECK(last.Header("content-range") == "bytes 95-99/100");
  auto head = GetWith(port, "/digits.txt", "Range: bytes=90-\r\n", "HEAD");
  CHECK(head.status == 206);
  CHECK(head.Header("content-length") == "10");
  CHECK(head.body.empty());

  auto multi = GetWith(port, "/digits.txt", "Range: bytes=0-1, 95-\r\n");
  CHECK(multi.status == 206);
  const std::string type = multi.Header("content-type");
  REQUIRE(casebook::util::StartsWith(type, "multipart/byteranges; boundary="));
  const std::string boundary = type.substr(type.find('=') + 1);
  CHECK(multi.body == "--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                      "Content-Range: bytes 0-1/100\r\n\r\n01\r\n--" + boundary +
                      "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 95-99/100"
                      "\r\n\r\n56789\r\n--" + boundary + "--\r\n");
  CHECK(multi.Header("content-length") == std::to_string(multi.body.size()));
  // The same request, the same bytes (the boundary comes from the content).
  CHECK(GetWith(port, "/digits.txt", "Range: bytes=0-1, 95-\r\n").body == multi.body);

  auto past = GetWith(port, "/digits.txt", "Range: bytes=100-\r\n");
  CHECK(past.status == 416);
  CHECK(past.Header("content-range") == "bytes */100");

  for (const char* ignored : {"Range: bytes=10-5\r\n", "Range: lines=1-2\r\n",
                              "Range: bytes=0-1\r\nRange: bytes=2-3\r\n",
                              "Range: bytes=0-1\r\nIf-Range: \"v1\"\r\n"}) {
    INFO(ignored);
    auto r = GetWith(port, "/digits.txt", ignored);
    CHECK(r.status == 200);
    CHECK(r.body == digits);
  }
  // An empty file: Content-Length 0 (so a keep-alive client knows the end),
  // and no range of it is satisfiable.
  site.dir.Write("public/empty.txt", "");
  Client keep(port);
  keep.Send("GET /empty.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  HttpResponse empty = Parse(keep.ReadOne());
  CHECK(empty.status == 200);
  CHECK(empty.Header("content-length") == "0");
  CHECK(GetWith(port, "/empty.txt", "Range: bytes=0-\r\n").status == 416);
  // Ranges are for files: a missing page is a 404 whatever the Range says.
  CHECK(GetWith(port, "/missing.txt", "Range: bytes=0-1\r\n").status == 404);
  // A range of a text file asked for gzipped: the plain bytes.
  auto plain = GetWith(port, "/digits.txt", "Range: bytes=0-3\r\nAccept-Encoding: gzip\r\n");
  CHECK(plain.status == 206);
  CHECK(plain.body == "0123");
  CHECK(plain.Header("content-encoding").empty());
}

TEST_CASE("serve: gzip for text when asked, the same bytes every time", "[server]") {
  ServedSite site;
  server::ArchiveServer srv(site.cfg, site.Options());
  std::string error;
  REQUIRE(srv.Start(&error));
  const int port = srv.port();
  const std::string css = LongCss();

  auto zipped = GetWith(port, "/css/site.css", "Accept-Encoding: gzip, deflate, br\r\n");
  CHECK(zipped.status == 200);
  CHECK(zipped.Header("content-encoding") == "gzip");
  CHECK(zipped.Header("vary") == "Accept-Encoding");
  CHECK(zipped.Header("content-type") == "text/css; charset=utf-8");
  CHECK(zipped.Header("content-length") == std::to_string(zipped.body.size()));
  CHECK(zipped.body.size() < css.size() / 2);
  auto unzipped = server::Gunzip(zipped.body);
  REQUIRE(unzipped);
  CHECK(*unzipped == css);
  // Served from the cache the second time: byte for byte the same.
  CHECK(GetWith(port, "/css/site.css", "Accept-Encoding: gzip\r\n").body == zipped.body);
  auto head = GetWith(port, "/css/site.css", "Accept-Encoding: gzip\r\n", "HEAD");
  CHECK(head.Header("content-length") == std::to_string(zipped.body.size()));

  // Not asked, or refused: the file as it is, still with Vary.
  for (const char* h : {"", "Accept-Encoding: gzip;q=0\r\n", "Accept-Encoding: br\r\n"}) {
    INFO(h);
    auto plain = GetWith(port, "/css/site.css", h);
    CHECK(plain.Header("content-encoding").empty());
    CHECK(plain.Header("vary") == "Accept-Encoding");
    CHECK(plain.body == css);
  }
  // Pages built in memory (the site's 404 page here) too; images never.
  auto missing = GetWith(port, "/nothing", "Accept-Encoding: gzip\r\n");
  CHECK(missing.status == 404);
  CHECK(missing.Header("content-encoding") == "gzip");
  REQUIRE(server::Gunzip(missing.body));
  CHECK(Contains(*server::Gunzip(missing.body), "SITE 404 PAGE"));
  auto png = GetWith(port, "/logo.png", "Accept-Encoding: gzip\r\n");
  CHECK(png.Header("content-encoding").empty());
  CHECK(png.Header("vary").empty());
  CHECK(png.body == std::string(400, 'P'));

  // A file rewritten in place (as a build may) is compressed again.
  site.dir.Write("public/css/site.css", css + "/* changed */ .x { color: red; }\n");
  auto changed = GetWith(port, "/css/site.css", "Accept-Encoding: gzip\r\n");
  REQUIRE(server::Gunzip(changed.body));
  CHECK(Contains(*server::Gunzip(changed.body), "/* changed */"));
}
