// Confinement to the site folder: which files a build may read.
//
// A postmortem archive is often built from untrusted changes (a pull request
// on CI), and a symbolic link is a one-line change that makes a file of the
// machine part of the site: content/env.md -> /proc/self/environ,
// static/k.txt -> ~/.ssh/id_rsa. So every file casebook reads for the site
// (content, theme, layouts, static, archetypes) must resolve (realpath)
// inside the site root, or inside the folder it was found under when that
// folder was itself named outside the root on purpose (an absolute `source`
// or `--source`, casebook's built-in themes). Links that stay inside keep
// working; links that leave are reported and never read.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace casebook::util {

/// realpath(3) of `path`; "" when it (or a component) does not resolve.
std::string RealPath(const std::string& path);

/// True when the canonical `path` is `folder` or below it (both canonical).
bool IsInsideFolder(const std::string& path, const std::string& folder);

/// The canonical folders a file found under `dir` may resolve into: the site
/// root (`site_root`, "" = the current folder), and `dir` itself when, as
/// written, it lies outside the root.
std::vector<std::string> AllowedRoots(const std::string& site_root, const std::string& dir);

/// The canonical target of `path` when it resolves outside every folder of
/// `roots`; nullopt when it resolves inside one (or does not resolve at all:
/// a broken link reads nothing).
std::optional<std::string> ResolvesOutside(const std::string& path,
                                           const std::vector<std::string>& roots);

struct OutsideLink {
  std::string path;    // the link as found (dir joined with its relative path)
  std::string target;  // where it resolves
};

/// Every entry under `dir` (any depth; `dir` itself included) that resolves
/// outside `roots`: links to files and links to folders, reported once each
/// (a linked folder that leaves is not walked). Links to folders inside are
/// followed once. Sorted by path. Empty when `dir` does not exist.
std::vector<OutsideLink> LinksOutside(const std::string& dir,
                                      const std::vector<std::string>& roots);

}  // namespace casebook::util
