// Manifests and the output marker (see manifest.h).
#include "site/manifest.h"

#include <sys/stat.h>

#include <charconv>
#include <filesystem>
#include <string_view>

#include "util/fs.h"
#include "util/hash.h"

namespace fs = std::filesystem;

namespace casebook::site {

const std::string& OutputMarkerText() {
  static const std::string text =
      "This folder is written by `casebook build`, which replaces it on every build.\n"
      "Files added here by hand do not last: put files to publish in static/.\n";
  return text;
}

std::string NormalFolder(const std::string& dir) {
  fs::path p = fs::absolute(dir.empty() ? "." : dir).lexically_normal();
  if (p.filename().empty() && p != p.root_path()) p = p.parent_path();
  return p.string();
}

std::string StagingDirFor(const std::string& output) {
  fs::path out(output);
  return (out.parent_path() / ("." + out.filename().string() + ".staging")).string();
}

std::string FolderName(const std::string& cache_dir, const std::string& folder) {
  const fs::path relative = fs::path(folder).lexically_relative(NormalFolder(cache_dir));
  return relative.empty() ? folder : relative.string();
}

// Named after the output folder, so builds into different folders never
// share a manifest.
std::string OutputManifestPath(const std::string& cache_dir, const std::string& output) {
  return util::JoinPath(cache_dir,
                        "output-" + util::Fingerprint(FolderName(cache_dir, output)).substr(0, 16));
}

std::string StagingManifestPath(const std::string& cache_dir, const std::string& output) {
  return util::JoinPath(cache_dir,
                        "staging-" + util::Fingerprint(FolderName(cache_dir, output)).substr(0, 16));
}

namespace {

constexpr char kManifestMagic[] = "#casebook manifest 2\n";

// True when `rel` is relative and already normal: no empty, "." or ".."
// segment, no leading or trailing slash (what casebook writes). Checked by
// hand: std::filesystem's lexically_normal per line dominated reading the
// manifest of a large site.
bool IsPlainRelativePath(const std::string& rel) {
  if (rel.empty() || rel.front() == '/' || rel.back() == '/') return false;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t slash = rel.find('/', start);
    if (slash == std::string::npos) slash = rel.size();
    const size_t len = slash - start;
    if (len == 0 || (len == 1 && rel[start] == '.') ||
        (len == 2 && rel[start] == '.' && rel[start + 1] == '.'))
      return false;
    start = slash + 1;
  }
  return true;
}

// One "key content size mtime inode path" line (the path may hold spaces).
// Lines come in path order (WriteManifest writes a sorted map), so each is
// inserted at the end: no search of the tree per line.
template <typename Int>
bool ParseInt(std::string_view text, Int* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool ParseManifestLine(std::string_view line, Manifest* m) {
  size_t f[5];
  size_t at = 0;
  for (int i = 0; i < 5; ++i) {
    f[i] = line.find(' ', at);
    if (f[i] == std::string_view::npos) return false;
    at = f[i] + 1;
  }
  PublishedFile file;
  file.key = std::string(line.substr(0, f[0]));
  file.content = std::string(line.substr(f[0] + 1, f[1] - f[0] - 1));
  if (!ParseInt(line.substr(f[1] + 1, f[2] - f[1] - 1), &file.size) ||
      !ParseInt(line.substr(f[2] + 1, f[3] - f[2] - 1), &file.mtime_ns) ||
      !ParseInt(line.substr(f[3] + 1, f[4] - f[3] - 1), &file.inode))
    return false;
  std::string rel(line.substr(f[4] + 1));
  // A path that leaves the folder is not one casebook wrote.
  if (!IsPlainRelativePath(rel)) return false;
  m->insert_or_assign(m->end(), std::move(rel), std::move(file));
  return true;
}

// The lines of `text` from `pos` up to `end`, into `m`; false when any is
// malformed (then nothing of the file is trusted).
bool ParseManifestLines(std::string_view text, size_t pos, size_t end, Manifest* m) {
  while (pos < end) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos || nl > end) return false;
    if (!ParseManifestLine(text.substr(pos, nl - pos), m)) return false;
    pos = nl + 1;
  }
  return true;
}

}  // namespace

bool ReadManifest(const std::string& path, ManifestFile* out) {
  *out = ManifestFile();
  auto text = util::ReadFile(path, nullptr);
  if (!text) return false;
  const std::string& t = *text;
  auto line_at = [&](size_t pos, std::string* line) {
    size_t nl = t.find('\n', pos);
    if (nl == std::string::npos) return std::string::npos;
    *line = t.substr(pos, nl - pos);
    return nl + 1;
  };
  std::string line;
  if (t.compare(0, 6, "#site ") == 0) {  // an older casebook's: no folder, no checksum
    size_t pos = line_at(0, &line);
    if (pos == std::string::npos || !ParseManifestLines(t, pos, t.size(), &out->files)) {
      *out = ManifestFile();
      return false;
    }
    out->site_key = line.substr(6);
    out->legacy = true;
    return true;
  }
  const size_t magic = sizeof kManifestMagic - 1;
  if (t.compare(0, magic, kManifestMagic) != 0) return false;
  // The checksum line ends the file and covers everything before it.
  size_t sum_at = t.rfind("#sum ");
  if (sum_at == std::string::npos || t.back() != '\n' ||
      t.compare(sum_at + 5, t.size() - sum_at - 6, util::Fingerprint(std::string_view(t).substr(0, sum_at))) != 0)
    return false;
  size_t pos = line_at(magic, &line);
  if (pos == std::string::npos || line.compare(0, 8, "#folder ") != 0) return false;
  size_t space = line.find(' ', 8);
  if (space == std::string::npos) return false;
  try {
    out->device = std::stoull(line.substr(8, space - 8));
  } catch (...) {
    return false;
  }
  out->folder = line.substr(space + 1);
  pos = line_at(pos, &line);
  if (pos == std::string::npos || line.compare(0, 6, "#site ") != 0) return false;
  out->site_key = line.substr(6);
  if (!ParseManifestLines(t, pos, sum_at, &out->files)) {
    *out = ManifestFile();
    return false;
  }
  return true;
}

bool WriteManifest(const std::string& path, const Manifest& manifest,
                   const std::string& site_key, const std::string& folder,
                   const std::string& name) {
  struct stat st;
  if (stat(folder.c_str(), &st) != 0) return false;
  std::string text = kManifestMagic;
  text += "#folder " + std::to_string(static_cast<uint64_t>(st.st_dev)) + ' ' + name + '\n';
  text += "#site " + site_key + "\n";
  // Its exact size first: a guess that fell short (140 bytes a line against
  // ~176 at 100,000 postmortems) copied the whole text once more when the
  // string grew.
  size_t size = text.size() + 5 + 32 + 1;  // and the "#sum" line
  for (const auto& [rel, f] : manifest)
    size += f.key.size() + f.content.size() + rel.size() + 3 * 21 + 5;
  text.reserve(size);
  // Appended piece by piece (no temporary string per line).
  char number[24];
  auto add_number = [&](auto value) {
    auto [end, ec] = std::to_chars(number, number + sizeof number, value);
    text.append(number, end);
    text += ' ';
  };
  for (const auto& [rel, f] : manifest) {
    text += f.key;
    text += ' ';
    text += f.content;
    text += ' ';
    add_number(f.size);
    add_number(f.mtime_ns);
    add_number(f.inode);
    text += rel;
    text += '\n';
  }
  text += "#sum " + util::Fingerprint(text) + "\n";
  return util::WriteFile(path, text, nullptr);  // write-then-rename
}

}  // namespace casebook::site
