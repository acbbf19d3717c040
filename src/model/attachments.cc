// Files beside postmortems (see attachments.h).
#include "model/attachments.h"

#include <sys/stat.h>

#include <set>

#include "content/loader.h"
#include "util/confine.h"
#include "util/fs.h"
#include "util/text.h"

namespace casebook::model::internal {

namespace {

bool IsMarkdownName(const std::string& path) {
  return path.size() > 3 && util::ToLowerAscii(path.substr(path.size() - 3)) == ".md";
}

bool HasHiddenPart(const std::string& relative) {
  size_t start = 0;
  while (start < relative.size()) {
    if (relative[start] == '.') return true;
    size_t slash = relative.find('/', start);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return false;
}

bool HasControl(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

}  // namespace

std::string PercentDecoded(const std::string& s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

FileLocator::FileLocator(const config::SiteConfig& cfg, const SiteModel& site)
    : cfg_(cfg), site_(site), source_dir_(cfg.SourceDir()),
      roots_(util::AllowedRoots(cfg.root, source_dir_)) {
  for (size_t i = 0; i < site.postmortems.size(); ++i) {
    std::string dir = content::PageBundleDir(site.postmortems[i].doc.relative_path);
    if (!dir.empty()) bundles_.emplace(dir, static_cast<int>(i));
  }
}

int FileLocator::BundleOf(const std::string& relative, std::string* inside) const {
  if (bundles_.empty()) return -1;
  for (std::string dir = util::DirName(relative); !dir.empty(); dir = util::DirName(dir)) {
    auto it = bundles_.find(dir);
    if (it != bundles_.end()) {
      *inside = relative.substr(dir.size() + 1);
      return it->second;
    }
  }
  return -1;
}

FileTarget FileLocator::LocatePath(const std::string& relative) const {
  FileTarget t;
  t.source = relative;
  if (relative.empty() || relative == ".." || util::StartsWith(relative, "../") ||
      relative.front() == '/' || HasControl(relative)) {
    t.status = FileStatus::kOutsideSource;
    return t;
  }
  if (HasHiddenPart(relative)) {
    t.status = FileStatus::kHidden;
    return t;
  }
  t.full = util::JoinPath(source_dir_, relative);
  std::string inside;
  int bundle = BundleOf(relative, &inside);
  t.in_bundle = bundle >= 0;
  struct stat st;
  if (::stat(t.full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    t.status = FileStatus::kMissing;
    return t;
  }
  if (auto target = util::ResolvesOutside(t.full, roots_)) {
    t.status = FileStatus::kLinkOut;
    t.link_target = *target;
    return t;
  }
  t.size = static_cast<long long>(st.st_size);
  if (t.size > cfg_.limits.max_attachment_bytes) {
    t.status = FileStatus::kTooLarge;
    return t;
  }
  t.output = bundle >= 0 ? site_.postmortems[static_cast<size_t>(bundle)].url + inside
                         : "files/" + relative;
  t.status = FileStatus::kPublished;
  return t;
}

FileTarget FileLocator::Locate(const Postmortem& from, const std::string& target) const {
  const std::string path = target.substr(0, target.find_first_of("?#"));
  const std::string dir = util::DirName(from.doc.relative_path);
  FileTarget t = LocatePath(util::NormalizePath(util::JoinPath(dir, path)));
  // "a%20b.png" names "a b.png" (Markdown links are written percent-encoded)
  // unless a file is really called "a%20b.png".
  if (t.status == FileStatus::kMissing && path.find('%') != std::string::npos) {
    FileTarget decoded = LocatePath(util::NormalizePath(util::JoinPath(dir, PercentDecoded(path))));
    if (decoded.status != FileStatus::kMissing) return decoded;
  }
  return t;
}

void ReportFileLinks(const config::SiteConfig& cfg, const FileLocator& locator,
                     const Postmortem& pm, util::Diagnostics* diags) {
  const std::string& file = pm.doc.SourceName();
  for (const auto& link : pm.body.links) {
    if (!link.file || link.resolved) continue;
    FileTarget t = locator.Locate(pm, link.target);
    switch (t.status) {
      case FileStatus::kPublished:
        break;  // appeared since it was rendered: published next time
      case FileStatus::kMissing:
        diags->Warning(file, link.line, "links/missing-file",
                       link.target + " does not exist (looked for " +
                           util::JoinPath(cfg.source, t.source) + ")",
                       "add the file there, or correct the path: it is relative to this "
                       "postmortem's folder",
                       link.column);
        break;
      case FileStatus::kOutsideSource:
        diags->Warning(file, link.line, "links/unpublished-file",
                       link.target + " is outside the source folder (" + cfg.source +
                           "/): it is not published",
                       "move the file beside the postmortem (or into its page-bundle "
                       "folder) and link it by a relative path",
                       link.column);
        break;
      case FileStatus::kHidden:
        diags->Warning(file, link.line, "links/unpublished-file",
                       link.target + " names a hidden file or folder (its name starts "
                                     "with \".\"): it is not published",
                       "rename it without the leading dot", link.column);
        break;
      case FileStatus::kTooLarge:
        diags->Warning(file, link.line, "links/unpublished-file",
                       link.target + " is " + std::to_string(t.size) +
                           " bytes, over [limits] max_attachment_bytes (" +
                           std::to_string(cfg.limits.max_attachment_bytes) +
                           "): it is not published",
                       "make the file smaller, link to where it is stored, or raise "
                       "max_attachment_bytes in site.toml",
                       link.column);
        break;
      case FileStatus::kLinkOut:
        // A bundle's own files are reported by its walk (CollectAttachments).
        if (!t.in_bundle) content::ReportOutsideLink(t.full, t.link_target, cfg, diags);
        break;
    }
  }
}

void CollectAttachments(const config::SiteConfig& cfg, const FileLocator& locator,
                        const std::vector<std::vector<ResolverAnswer>>& answers,
                        SiteModel* site, util::Diagnostics* diags) {
  site->attachments.clear();
  const std::string source_dir = cfg.SourceDir();
  const std::vector<std::string> roots = util::AllowedRoots(cfg.root, source_dir);
  // Bundles in folder order, their files in path order: the report does
  // not depend on the model's order.
  for (const auto& [dir, index] : locator.bundles()) {
    const Postmortem& pm = site->postmortems[static_cast<size_t>(index)];
    util::WalkResult walk = util::WalkFiles(util::JoinPath(source_dir, dir), "", &roots);
    for (size_t i = 0; i < walk.outside.size(); ++i) {
      // Folders that leave were reported by the loader's walk already.
      if (!util::IsDirectory(walk.outside_targets[i]))
        content::ReportOutsideLink(walk.outside[i].path, walk.outside_targets[i], cfg, diags);
    }
    for (const auto& entry : walk.files) {
      if (IsMarkdownName(entry.relative)) continue;
      // A file of a nested bundle is that bundle's.
      std::string inside;
      if (locator.BundleOf(dir + "/" + entry.relative, &inside) != index) continue;
      struct stat st;
      if (::stat(entry.path.c_str(), &st) != 0) continue;
      if (static_cast<long long>(st.st_size) > cfg.limits.max_attachment_bytes) {
        diags->Warning(entry.path, 0, "links/unpublished-file",
                       "is " + std::to_string(st.st_size) +
                           " bytes, over [limits] max_attachment_bytes (" +
                           std::to_string(cfg.limits.max_attachment_bytes) +
                           "): it is not published with " + pm.doc.relative_path,
                       "make the file smaller, move it out of the page-bundle folder, or "
                       "raise max_attachment_bytes in site.toml");
        continue;
      }
      site->attachments.emplace(pm.url + entry.relative, entry.path);
    }
  }
  for (size_t i = 0; i < answers.size() && i < site->postmortems.size(); ++i) {
    for (const auto& a : answers[i]) {
      if (!a.file || !a.found) continue;
      FileTarget t = locator.Locate(site->postmortems[i], a.target);
      if (t.status == FileStatus::kPublished) site->attachments.emplace(t.output, t.full);
    }
  }
}

}  // namespace casebook::model::internal
