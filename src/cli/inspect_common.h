// Shared by `inspect` and `convert`: the site config to parse loose files with.
#pragma once

#include <string>

#include "config/config.h"
#include "util/diagnostics.h"

namespace casebook::cli {

/// site.toml from `config_path`, else ./site.toml when it exists, else the
/// defaults (a file can be inspected outside any site).
config::SiteConfig ConfigForFiles(const std::string& config_path, util::Diagnostics* diags);

}  // namespace casebook::cli
