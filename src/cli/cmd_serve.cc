// `casebook serve`: runs the `casebook-serve` executable that lies beside
// this one (the build tree's src/, or the install's bin/), with the same
// arguments, in this process (execv: same pid, so signals and the exit code
// are the server's).
//
// Why a second executable: the server is the only user of cpp-httplib, which
// pulls in OpenSSL, brotli and zlib; every process that links them pays for
// loading and relocating them and for OpenSSL's initialisation (it reads
// openssl.cnf) before main. Keeping them out of `casebook` takes about a
// third off the start of every other command, `casebook search` above all
// (docs/benchmarks.md). The server itself is src/serve/serve_command.cc.
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace casebook::cli {

int RunServe(const CommandArgs& args) {
  char self[PATH_MAX];
  ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) {
    std::perror("casebook serve: cannot find its own binary");
    return 2;
  }
  self[len] = '\0';
  std::string dir(self);
  dir.erase(dir.rfind('/') + 1);
  const std::string server = dir + "casebook-serve";
  std::vector<std::string> argv_s{server};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  ::execv(server.c_str(), argv.data());
  std::fprintf(stderr,
               "casebook serve: cannot run %s (%s): it is installed beside casebook; "
               "reinstall casebook or build both (`cmake --build build --target casebook`)\n",
               server.c_str(), std::strerror(errno));
  return 2;
}

}  // namespace casebook::cli
