#include "test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "util/text.h"

namespace fs = std::filesystem;

namespace casebook::test {

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "casebook-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void WriteFileAt(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string ReadFileAt(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void TempDir::Write(const std::string& relative, const std::string& content) const {
  WriteFileAt((fs::path(path_) / relative).string(), content);
}

std::string TempDir::Read(const std::string& relative) const {
  return ReadFileAt((fs::path(path_) / relative).string());
}

bool TempDir::Exists(const std::string& relative) const {
  return fs::exists(fs::path(path_) / relative);
}

static std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult RunCasebook(const std::string& args, const std::string& cwd) {
  TempDir io;
  std::string out = io.path() + "/out", err = io.path() + "/err";
  std::string cmd = "cd '" + cwd + "' && '" CASEBOOK_BINARY "' " + args +
                    " >'" + out + "' 2>'" + err + "' </dev/null";
  int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

std::string Exchange(int port, const std::string& raw) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  size_t sent = 0;
  while (sent < raw.size()) {
    ssize_t n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  // Read until the server closes or the response is complete (headers plus
  // Content-Length bytes; HEAD responses have no body).
  const bool head = raw.compare(0, 5, "HEAD ") == 0;
  std::string out;
  char buf[8192];
  ssize_t n;
  while (out.size() < (8u << 20) && (n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
    out.append(buf, n);
    size_t end = out.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    std::string lower = util::ToLowerAscii(out.substr(0, end));
    size_t cl = lower.find("\r\ncontent-length:");
    size_t length = cl == std::string::npos || head ? 0 : std::stoul(lower.substr(cl + 17));
    if (out.size() >= end + 4 + length) break;
  }
  ::close(fd);
  return out;
}

HttpResponse Parse(const std::string& raw) {
  HttpResponse r;
  size_t end = raw.find("\r\n\r\n");
  if (raw.compare(0, 9, "HTTP/1.1 ") != 0 || end == std::string::npos) return r;
  r.status = std::stoi(raw.substr(9, 3));
  size_t pos = raw.find("\r\n") + 2;
  while (pos < end) {
    size_t eol = raw.find("\r\n", pos);
    std::string line = raw.substr(pos, eol - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value(util::Trim(line.substr(colon + 1)));
      r.headers[util::ToLowerAscii(line.substr(0, colon))] = value;
    }
    pos = eol + 2;
  }
  r.body = raw.substr(end + 4);
  return r;
}

HttpResponse Request(int port, const std::string& method, const std::string& target,
                     const std::string& body) {
  std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!body.empty()) raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return Parse(Exchange(port, raw + "\r\n" + body));
}

HttpResponse Get(int port, const std::string& target) { return Request(port, "GET", target); }

BackgroundCasebook::BackgroundCasebook(const std::vector<std::string>& args,
                                       const std::string& cwd, const std::string& binary) {
  std::string out = io_.path() + "/out", err = io_.path() + "/err";
  std::vector<std::string> argv_s{binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork() failed");
  if (pid_ == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || o < 0 || e < 0 || ::chdir(cwd.c_str()) != 0) ::_exit(127);
    ::dup2(in, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
}

BackgroundCasebook::~BackgroundCasebook() { Stop(SIGTERM); }

std::string BackgroundCasebook::Out() const { return Slurp(io_.path() + "/out"); }
std::string BackgroundCasebook::Err() const { return Slurp(io_.path() + "/err"); }

int BackgroundCasebook::ServedPort() const {
  std::smatch m;
  const std::string out = Out();
  if (!std::regex_search(out, m, std::regex("http://127\\.0\\.0\\.1:(\\d+)/"))) return -1;
  return std::stoi(m[1]);
}

bool BackgroundCasebook::WaitFor(const std::string& text, double seconds, bool in_err) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if ((in_err ? Err() : Out()).find(text) != std::string::npos) return true;
    if (Ended()) return (in_err ? Err() : Out()).find(text) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

bool BackgroundCasebook::Ended() const {
  if (pid_ > 0 && ::waitpid(pid_, &status_, WNOHANG) == pid_) pid_ = -1;
  return pid_ <= 0;
}

int BackgroundCasebook::Stop(int signal) {
  if (!Ended()) {
    ::kill(pid_, signal);
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
}

std::string SharedCorpus() {
  // ../shared beside the repository, or two levels up for a worktree
  // (/work/wt/<name> next to /work/shared).
  for (const char* up : {"..", "../.."}) {
    fs::path p = fs::path(CASEBOOK_SOURCE_DIR) / up / "shared" / "corpora" / "dfds-postmortems";
    if (fs::is_directory(p)) return fs::canonical(p).string();
  }
  return std::string();
}

std::string SourceDir() { return CASEBOOK_SOURCE_DIR; }

std::map<std::string, std::string> Snapshot(const std::string& root) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> files;
  if (!fs::exists(root)) return files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    files[fs::relative(e.path(), root).generic_string()] = ss.str();
  }
  return files;
}

void CopySiteFixture(const std::string& to) {
  std::filesystem::create_directories(to);
  for (const auto& e :
       std::filesystem::directory_iterator(std::filesystem::path(CASEBOOK_FIXTURES) / "site"))
    std::filesystem::copy(e.path(), to / e.path().filename(),
                          std::filesystem::copy_options::recursive);
}

}  // namespace casebook::test
