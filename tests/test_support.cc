#include "test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

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

void TempDir::Write(const std::string& relative, const std::string& content) const {
  fs::path p = fs::path(path_) / relative;
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
}

std::string TempDir::Read(const std::string& relative) const {
  std::ifstream in(fs::path(path_) / relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
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

std::string SharedCorpus() {
  fs::path p = fs::path(CASEBOOK_SOURCE_DIR) / ".." / "shared" / "corpora" / "dfds-postmortems";
  return fs::is_directory(p) ? fs::canonical(p).string() : std::string();
}

std::string SourceDir() { return CASEBOOK_SOURCE_DIR; }

}  // namespace casebook::test
