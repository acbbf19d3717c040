// The HTTP request path of `casebook serve`, without sockets: raw request
// bytes go through cpp-httplib's request parsing (request line, headers,
// query string, Range, bodies) into the parts casebook owns, routed the way
// ArchiveServer routes GET/HEAD (server/http_server.cc): PathOfTarget,
// PercentDecode, the search routes (SearchPages::Html / Api with the query
// parameters) and ResolveStatic over the fixture site's output folder.
//
// ArchiveServer itself binds a socket in Start(), so its router is mirrored
// here rather than called; keep the two in step.
#include <httplib.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "fuzz_site.h"
#include "server/search_pages.h"
#include "server/static_files.h"

namespace {

namespace server = casebook::server;

// The request bytes in, the response bytes discarded.
class MemoryStream : public httplib::Stream {
 public:
  explicit MemoryStream(std::string in) : in_(std::move(in)) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    size_t n = std::min(size, in_.size() - pos_);
    in_.copy(ptr, n, pos_);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char*, size_t size) override { return static_cast<ssize_t>(size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8080;
  }
  socket_t socket() const override { return 0; }
  bool done() const { return pos_ >= in_.size(); }

 private:
  std::string in_;
  size_t pos_ = 0;
};

class FuzzServer : public httplib::Server {
 public:
  FuzzServer() {
    const auto& cfg = casebook::fuzz::BuiltFixtureSite();
    output_ = cfg.OutputDir();
    base_ = cfg.BasePath();
    pages_ = std::make_unique<server::SearchPages>(cfg, nullptr, 1024);
    set_payload_max_length(64 * 1024);
    set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.method != "GET" && req.method != "HEAD") return HandlerResponse::Unhandled;
      HandleGet(req, res);
      return HandlerResponse::Handled;
    });
    Post(".*", [](const httplib::Request&, httplib::Response& res) { res.status = 405; });
  }

  // Requests on one connection, in order, as httplib's keep-alive loop does.
  void Process(const std::string& bytes) {
    MemoryStream stream(bytes);
    for (int i = 0; i < 8 && !stream.done(); ++i) {
      bool closed = false;
      if (!process_request(stream, false, closed, nullptr) || closed) break;
    }
  }

 private:
  void HandleGet(const httplib::Request& req, httplib::Response& res) {
    const std::string raw(server::PathOfTarget(req.target));
    const std::string decoded = server::PercentDecode(raw).value_or(raw);
    if (decoded == base_ + "search" || decoded == base_ + "api/search") {
      server::SearchParams p;
      p.q = req.get_param_value("q");
      p.offset = req.get_param_value("offset");
      p.limit = req.get_param_value("limit");
      p.sort = req.get_param_value("sort");
      server::PageResponse page = decoded == base_ + "search" ? pages_->Html(p) : pages_->Api(p);
      res.status = page.status;
      res.set_content(page.body, page.content_type);
      return;
    }
    server::StaticTarget t = server::ResolveStatic(output_, base_, raw);
    switch (t.status) {
      case server::StaticStatus::kFile: {
        // Starts with the output folder: a resolved file never lies outside.
        if (t.file.compare(0, output_.size(), output_) != 0) std::abort();
        std::ifstream in(t.file, std::ios::binary);
        std::ostringstream body;
        body << in.rdbuf();
        res.set_content(body.str(), server::ContentTypeFor(t.file));
        return;
      }
      case server::StaticStatus::kRedirect:
        // Rebuilt from validated segments: always a path on this host.
        if (t.location.empty() || t.location[0] != '/' || t.location.rfind("//", 0) == 0)
          std::abort();
        res.set_redirect(t.location, 301);
        return;
      default:
        res.status = 404;
        return;
    }
  }

  std::string output_;
  std::string base_;
  std::unique_ptr<server::SearchPages> pages_;
};

}  // namespace

namespace {
FuzzServer* g_server = nullptr;  // lives for the process
}  // namespace

// Builds the fixture site before the first input (seconds, not a hang).
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_server = new FuzzServer;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  g_server->Process(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
