// Helpers shared by the tests: temporary folders, writing fixture files,
// running the built casebook binary.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace casebook::test {

/// Writes `content` to the file at `path`, creating its folders.
void WriteFileAt(const std::string& path, const std::string& content);
/// The bytes of the file at `path` ("" when it cannot be read).
std::string ReadFileAt(const std::string& path);

/// A fresh folder under /tmp, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  /// Writes `content` to path()/relative, creating folders.
  void Write(const std::string& relative, const std::string& content) const;
  std::string Read(const std::string& relative) const;
  bool Exists(const std::string& relative) const;

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

/// Runs the built `casebook` with `args` (a shell-quoted string) in `cwd`.
CommandResult RunCasebook(const std::string& args, const std::string& cwd);

/// A response as the test HTTP client read it (status 0: not HTTP).
struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

/// Sends `raw` as is to 127.0.0.1:port and reads the response (until the
/// server closes, or headers plus Content-Length bytes); 5 s timeouts.
/// Throws when it cannot connect.
std::string Exchange(int port, const std::string& raw);
HttpResponse Parse(const std::string& raw);
/// One request with "Connection: close" (and the body, if any).
HttpResponse Request(int port, const std::string& method, const std::string& target,
                     const std::string& body = "");
HttpResponse Get(int port, const std::string& target);

/// The built `casebook` started in the background (stdin /dev/null, stdout
/// and stderr to files), for commands that run until stopped (`serve`).
/// The destructor sends SIGTERM if it still runs and waits for it.
/// `binary`: another casebook executable (e.g. an installed copy).
class BackgroundCasebook {
 public:
  BackgroundCasebook(const std::vector<std::string>& args, const std::string& cwd,
                     const std::string& binary = CASEBOOK_BINARY);
  ~BackgroundCasebook();
  BackgroundCasebook(const BackgroundCasebook&) = delete;
  BackgroundCasebook& operator=(const BackgroundCasebook&) = delete;
  /// What it printed so far.
  std::string Out() const;
  std::string Err() const;
  /// Waits up to `seconds` for `text` to appear in stdout (stderr with
  /// `in_err`); false on timeout or when the process ended first.
  bool WaitFor(const std::string& text, double seconds, bool in_err = false) const;
  /// Sends `signal` (unless it has ended) and waits for the exit; the exit
  /// code, or -1 (killed by a signal).
  int Stop(int signal);
  /// True once the process has exited.
  bool Ended() const;
  /// The port of the "http://127.0.0.1:PORT/" a server printed, or -1.
  int ServedPort() const;

 private:
  TempDir io_;
  mutable int pid_ = -1;     // -1 once reaped
  mutable int status_ = -1;  // waitpid status once reaped
};

/// Path to ../shared/corpora/dfds-postmortems (or ../../shared/... from a
/// worktree), or "" when absent.
std::string SharedCorpus();

/// The repository root (for content/, themes/, site.toml).
std::string SourceDir();

/// Copies tests/fixtures/site (site.toml, content/, ...) into folder `to`.
void CopySiteFixture(const std::string& to);

/// Every regular file under `root`, relative path -> bytes (empty when
/// `root` does not exist): for comparing a built site with a clean build.
std::map<std::string, std::string> Snapshot(const std::string& root);

}  // namespace casebook::test
