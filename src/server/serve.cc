// Serve(): the blocking `casebook serve` loop around ArchiveServer, with
// clean shutdown on SIGINT/SIGTERM; and the loopback check for --bind.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>

#include "server/server.h"

namespace casebook::server {

bool IsLoopbackAddress(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr a4{};
  if (::inet_pton(AF_INET, host.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  return false;
}

namespace {

// Each open connection is a file descriptor; the usual soft limit of 1,024
// would cap `serve` near that. Raise it to the hard limit (as Go programs
// and nginx's worker_rlimit_nofile do), at most 65,536.
void RaiseOpenFileLimit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t want = lim.rlim_max == RLIM_INFINITY ? 65536 : std::min<rlim_t>(lim.rlim_max, 65536);
  if (want > lim.rlim_cur) {
    lim.rlim_cur = want;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

int Serve(const config::SiteConfig& cfg, const ServeOptions& options) {
  RaiseOpenFileLimit();
  // Block SIGINT/SIGTERM before any thread starts (all threads inherit the
  // mask), then wait for them here: no async-signal-safety concerns.
  sigset_t signals, previous;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, &previous);

  ArchiveServer server(cfg, options);
  std::string error;
  if (!server.Start(&error)) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    std::fprintf(stderr, "casebook serve: %s\n", error.c_str());
    return 2;
  }
  if (!IsLoopbackAddress(options.bind)) {
    std::fprintf(stderr,
                 "warning: listening on %s: the archive is reachable from the network "
                 "(no authentication, no TLS). Use --bind 127.0.0.1 to keep it local.\n",
                 options.bind.c_str());
  }
  std::printf("Serving %s at %s (Ctrl-C to stop)\n", cfg.title.c_str(), server.Url().c_str());
  std::fflush(stdout);

  int code = 0;
  const int tick_ms = options.tick_ms > 0 ? options.tick_ms : 1000;
  while (true) {
    timespec wait{tick_ms / 1000, (tick_ms % 1000) * 1000000L};
    int sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig == SIGINT || sig == SIGTERM) break;
    if (sig < 0 && errno != EAGAIN && errno != EINTR) break;
    if (!server.running()) {
      std::fprintf(stderr, "casebook serve: the server stopped unexpectedly\n");
      code = 1;
      break;
    }
    if (options.on_tick) options.on_tick();
  }
  std::fprintf(stderr, "Stopping.\n");
  server.Stop();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return code;
}

}  // namespace casebook::server
