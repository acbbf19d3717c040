// `casebook serve` (run as the casebook-serve executable, which `casebook
// serve` execs: src/cli/cmd_serve.cc says why): serves the built site and
// its search over HTTP until Ctrl-C (server/server.h). Reads site.toml only; the site must have been
// built (`casebook build`) into the output folder first, unless --watch is
// given: then it builds once before serving, and again whenever an input
// changes (site/watch.h), so an author previews each save with a reload.
//
// Each rebuild is a `casebook build --quiet` child process (the casebook
// beside this executable), as CI and the
// benchmark run it: a crash or a leak in one build cannot take the server
// down, and its errors (file:line, what to do) go to this terminal. A failed
// build publishes nothing, so the previous site stays served. The server
// picks up a new site and index on its next request by itself, and open
// pages reload themselves (ServeOptions::live_reload).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "config/config.h"
#include "serve/serve_command.h"
#include "server/server.h"
#include "site/watch.h"
#include "util/fs.h"

extern char** environ;

namespace casebook::cli {
namespace {

/// Runs `casebook build --quiet` (the casebook beside this executable) and
/// waits for it. True when it published. The child gets default signal handling back (Serve blocks
/// SIGINT/SIGTERM in this process), so Ctrl-C stops a build in progress too;
/// publishing is atomic, so that leaves the served site as it was.
bool RunBuildProcess(const std::string& config_path, bool drafts, double* seconds) {
  char self[PATH_MAX];
  ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) {
    std::perror("casebook serve: cannot find its own binary");
    return false;
  }
  self[len] = '\0';
  std::string casebook(self);
  casebook.erase(casebook.rfind('/') + 1);
  casebook += "casebook";
  std::vector<std::string> args{casebook, "build", "--config", config_path, "--quiet"};
  if (drafts) args.push_back("--drafts");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int rc = posix_spawn(&pid, casebook.c_str(), nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    std::fprintf(stderr, "casebook serve: cannot start a build (%s): %s\n", casebook.c_str(),
                 std::strerror(rc));
    return false;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/// The --watch loop's state: rebuilds once the inputs changed and then held
/// still for one tick (an editor's save can take more than one write).
class Rebuilder {
 public:
  Rebuilder(std::string config_path, bool drafts, config::SiteConfig cfg)
      : config_path_(std::move(config_path)), drafts_(drafts), cfg_(std::move(cfg)),
        watcher_(cfg_) {}

  /// The first build, before serving. False when it failed.
  bool BuildNow() {
    std::string stamp = site::StampInputs(cfg_);
    double seconds = 0;
    bool ok = RunBuildProcess(config_path_, drafts_, &seconds);
    built_ = seen_ = stamp;
    return ok;
  }

  void Tick() {
    // A stamp walks the archive; take one only after inotify saw something,
    // or while a change is settling.
    if (!watcher_.MaybeChanged() && seen_ == built_) return;
    std::string now = site::StampInputs(cfg_);
    if (now == built_ || now != seen_) {
      seen_ = now;
      return;
    }
    double seconds = 0;
    bool ok = RunBuildProcess(config_path_, drafts_, &seconds);
    // Also after a failure: the next edit, not the next tick, builds again.
    built_ = seen_ = now;
    if (ok)
      std::fprintf(stderr, "casebook serve: a change was saved; rebuilt in %.2f s\n", seconds);
    else
      std::fprintf(stderr,
                   "casebook serve: the rebuild failed (above); still serving the site as it "
                   "was. Fix the file and save again.\n");
    // site.toml may have moved the source or the theme: watch what it says now.
    util::Diagnostics diags;
    config::SiteConfig cfg = config::Load(config_path_, &diags);
    if (!diags.HasErrors()) {
      cfg_ = std::move(cfg);
      watcher_.Rewatch(cfg_);
    }
  }

 private:
  std::string config_path_;
  bool drafts_;
  config::SiteConfig cfg_;
  site::InputWatcher watcher_;
  std::string built_;  // the stamp the last build started from
  std::string seen_;   // the stamp at the previous tick
};

}  // namespace

int ServeCommand(const CommandArgs& argv) {
  Args args(argv, {{"--watch", "--drafts"}, {"--config", "--port", "--bind"}});
  if (!args.ok()) return UsageError("serve", args.error());
  if (!args.positional().empty())
    return UsageError("serve", "unexpected argument " + args.positional()[0]);
  const bool watch = args.Has("--watch");
  if (args.Has("--drafts") && !watch)
    return UsageError("serve", "--drafts only goes with --watch (it is passed to each build)");

  server::ServeOptions options;
  bool bad = false;
  long port = args.GetInt("--port", 8080, &bad);
  if (bad || port < 0 || port > 65535)
    return UsageError("serve", "--port needs a number from 0 to 65535 (0: any free port)");
  options.port = static_cast<int>(port);
  options.bind = args.GetOr("--bind", "127.0.0.1");
  if (options.bind.empty()) return UsageError("serve", "--bind needs an address");

  const std::string config_path = args.GetOr("--config", "site.toml");
  util::Diagnostics diags;
  config::SiteConfig cfg = config::Load(config_path, &diags);
  diags.Sort();
  if (diags.HasErrors()) {
    PrintDiagnostics(diags, stderr);
    return 2;
  }
  PrintDiagnostics(diags, stderr);  // warnings only

  std::unique_ptr<Rebuilder> rebuilder;
  if (watch) {
    rebuilder = std::make_unique<Rebuilder>(config_path, args.Has("--drafts"), cfg);
    if (!rebuilder->BuildNow() && util::IsDirectory(cfg.OutputDir()))
      std::fprintf(stderr,
                   "casebook serve: the build failed (above); serving the site as it was "
                   "and watching for the fix.\n");
    // Four looks a second feel immediate after a save; each is a read of
    // inotify's queue unless something happened (then a stamp: a walk of
    // the archive's metadata, ~3 ms per 1,000 files).
    options.tick_ms = 250;
    options.live_reload = true;
    options.on_tick = [&rebuilder] { rebuilder->Tick(); };
  }
  if (!util::IsDirectory(cfg.OutputDir())) {
    std::fprintf(stderr, "casebook serve: no site in %s/: %s\n", cfg.OutputDir().c_str(),
                 watch ? "the build failed (above); fix the errors and run it again"
                       : "run `casebook build` first (or `casebook serve --watch`)");
    return 2;
  }
  return server::Serve(cfg, options);
}

}  // namespace casebook::cli
