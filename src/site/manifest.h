// The manifests of the output and staging folders (see publish.h): what a
// folder casebook published holds, file by file, and the marker file by
// which casebook knows a folder is its own.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace casebook::site {

/// What the manifest knows of one published file. (A new field must also be
/// copied in Publisher::MergeKept, which copies entries field by field.)
struct PublishedFile {
  std::string key;      // what it was made from (page key or content hash)
  std::string content;  // content hash
  int64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  /// Not stored: Publisher::Open found the file exactly as listed (or
  /// trusted a restored copy again), so the build need not lstat it again.
  bool verified = false;
  /// Not stored: the file's link count when Open found it as listed (0:
  /// not known; 255: that many or more). Two, with staging's manifest
  /// listing the same inode there, says staging still holds its hard link
  /// (SyncStaging). One byte beside `verified`: the entry stays as large.
  uint8_t links = 0;
  /// Not stored: Publisher::Keep was told this published file stays, made
  /// from `kept_key` (merged into the new site's manifest at Commit; ""
  /// when that is its published `key`, as it nearly always is).
  bool kept = false;
  std::string kept_key;
};
using Manifest = std::map<std::string, PublishedFile>;  // relative path -> file

/// The file at the top of every folder casebook publishes (kept in the
/// site), by which a later build knows the folder is its own to replace.
inline constexpr char kOutputMarker[] = ".casebook-output";
/// Its contents (the same for every site, so output stays deterministic).
const std::string& OutputMarkerText();

/// How the manifests in `cache_dir` name `folder` (absolute, normalised):
/// its path from the cache folder ("../public"), so a repository moved or
/// checked out elsewhere with its cache keeps its manifests (another CI
/// workspace). Absolute when the two share no root.
std::string FolderName(const std::string& cache_dir, const std::string& folder);
/// The manifests of the output folder `output` (absolute, normalised) in
/// `cache_dir`, named after its FolderName.
std::string OutputManifestPath(const std::string& cache_dir, const std::string& output);
std::string StagingManifestPath(const std::string& cache_dir, const std::string& output);
/// ".<name>.staging" beside `output` (absolute, normalised).
std::string StagingDirFor(const std::string& output);
/// `dir` made absolute and normalised, without a trailing slash.
std::string NormalFolder(const std::string& dir);

/// A manifest file: "#casebook manifest 2", "#folder <device> <path>",
/// "#site <key>", one "key content size mtime inode path" line per file, and
/// "#sum <Fingerprint of all the lines above>".
struct ManifestFile {
  Manifest files;
  std::string site_key;
  std::string folder;   // the folder it describes (its FolderName)
  uint64_t device = 0;  // st_dev of that folder
  bool legacy = false;  // an older casebook's: "#site" first, no folder, no sum
};
/// False when the file is missing, truncated, damaged or its checksum does
/// not match. A legacy manifest reads (legacy = true) but proves nothing
/// but which files an older casebook wrote there.
bool ReadManifest(const std::string& path, ManifestFile* out);
/// Describes `folder` (whose device it records) as `name` (its FolderName).
bool WriteManifest(const std::string& path, const Manifest& manifest,
                   const std::string& site_key, const std::string& folder,
                   const std::string& name);

}  // namespace casebook::site
