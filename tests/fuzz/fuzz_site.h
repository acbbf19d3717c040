// For the harnesses that need a built site (search, HTTP): the fixture
// archive (tests/fixtures/site) copied to a temporary folder and built once
// per process, removed again at exit.
#pragma once

#include "config/config.h"

namespace casebook::fuzz {

/// The built fixture site's config (root = the temporary copy; output and
/// search index published). Aborts when the build fails: a harness without
/// its site would only fuzz error paths.
const config::SiteConfig& BuiltFixtureSite();

}  // namespace casebook::fuzz
