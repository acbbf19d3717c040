// SiteConfig's defaults and path helpers (no TOML here; see config.cc).
#include "config/config.h"

#include <filesystem>

#include "util/fs.h"

namespace casebook::config {

namespace {

bool IsAbsolute(const std::string& p) { return !p.empty() && p[0] == '/'; }

}  // namespace

const char* DefaultSeverityColor(size_t rank) {
  // White text on these passes WCAG AA (4.5:1).
  static constexpr const char* kColors[] = {"#b91c1c", "#c2410c", "#a16207", "#1d4ed8"};
  return rank < 4 ? kColors[rank] : "#4b5563";
}

std::vector<SeverityLevel> DefaultSeverities() {
  return {
      {"SEV1", "Critical", DefaultSeverityColor(0),
       "Most users cannot use a core service, data is lost or exposed, or money "
       "is lost; all hands until mitigated."},
      {"SEV2", "Major", DefaultSeverityColor(1),
       "A core feature is broken or badly degraded for many users, or a whole "
       "region or customer segment is affected."},
      {"SEV3", "Minor", DefaultSeverityColor(2),
       "A non-core feature is degraded or a small share of users is affected; "
       "a workaround exists."},
      {"SEV4", "Low", DefaultSeverityColor(3),
       "No visible user impact: a near miss, internal tooling, or a risk found "
       "in time."},
  };
}

std::string SiteConfig::SourceDir() const {
  return IsAbsolute(source) ? source : util::JoinPath(root, source);
}

std::string SiteConfig::OutputDir() const {
  return IsAbsolute(output) ? output : util::JoinPath(root, output);
}

std::string SiteConfig::ThemeDir() const {
  if (IsAbsolute(theme)) return theme;
  if (theme.find('/') != std::string::npos) return util::JoinPath(root, theme);
  std::string own = util::JoinPath(root, "themes/" + theme);
  if (util::IsDirectory(own)) return own;
  // An archive without a themes/ folder of its own uses the themes that come
  // with casebook: installed beside the binary, else in the source tree it
  // was built from.
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = exe.parent_path().parent_path() / "share/casebook/themes" / theme;
    if (std::filesystem::is_directory(installed, ec)) return installed.string();
  }
  return std::string(CASEBOOK_BUILTIN_THEMES) + "/" + theme;
}

std::string SiteConfig::IndexDir() const {
  return IsAbsolute(search.index) ? search.index : util::JoinPath(root, search.index);
}

std::optional<int> SiteConfig::SeverityRank(const std::string& name) const {
  for (size_t i = 0; i < severities.size(); ++i)
    if (severities[i].name == name) return static_cast<int>(i);
  return std::nullopt;
}

const SeverityLevel* SiteConfig::FindSeverity(const std::string& name) const {
  for (const auto& s : severities)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace casebook::config
