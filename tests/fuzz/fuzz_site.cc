#include "fuzz_site.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "markdown/markdown.h"
#include "site/build.h"
#include "util/diagnostics.h"

namespace casebook::fuzz {
namespace {

std::string g_temp_root;

void RemoveTempRoot() {
  std::error_code ec;
  if (!g_temp_root.empty()) std::filesystem::remove_all(g_temp_root, ec);
}

config::SiteConfig Build() {
  namespace fs = std::filesystem;
  markdown::Init();
  // scripts/fuzz points this at build-fuzz/tmp and empties it afterwards:
  // a crashing process never runs its atexit cleanup.
  const char* parent = std::getenv("CASEBOOK_FUZZ_TMP");
  std::string tmpl = std::string(parent && *parent ? parent : "/tmp") + "/casebook-fuzz-XXXXXX";
  if (!::mkdtemp(tmpl.data())) std::abort();
  g_temp_root = tmpl;
  std::atexit(RemoveTempRoot);
  const std::string root = g_temp_root + "/site";
  fs::copy(CASEBOOK_FIXTURES "/site", root, fs::copy_options::recursive);

  site::BuildOptions options;
  options.config_path = root + "/site.toml";
  options.jobs = 1;
  options.cache = false;
  site::BuildReport report;
  util::Diagnostics diags;
  if (!site::Build(options, &report, &diags)) {
    std::fprintf(stderr, "fuzz: the fixture site did not build\n");
    std::abort();
  }
  util::Diagnostics cfg_diags;
  return config::Load(options.config_path, &cfg_diags);
}

}  // namespace

const config::SiteConfig& BuiltFixtureSite() {
  static const config::SiteConfig cfg = Build();
  return cfg;
}

}  // namespace casebook::fuzz
