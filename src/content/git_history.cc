// One `git log` for the whole source folder (see git_history.h).
#include "content/git_history.h"

#include <cstdio>
#include <string_view>

namespace casebook::content {

namespace {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace

GitHistory GitHistory::Read(const std::string& source_dir) {
  GitHistory h;
  // -z: NUL-separated, unquoted file names; %x1e starts each commit record;
  // %cI is the strict ISO committer date with its offset. stderr is dropped:
  // "not a git repository" is the normal case for many archives.
  std::string cmd = "git --no-pager -C " + ShellQuote(source_dir.empty() ? "." : source_dir) +
                    " -c core.quotePath=false log -z --no-color --no-renames"
                    " --format=%x1e%cI --name-only --relative -- . 2>/dev/null </dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return h;
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  if (status != 0) return h;  // not a repository, no git, no commits

  std::string_view all(out);
  size_t pos = 0;
  while ((pos = all.find('\x1e', pos)) != std::string_view::npos) {
    size_t end = all.find('\x1e', pos + 1);
    std::string_view rec = all.substr(pos + 1, (end == std::string_view::npos ? all.size() : end) - pos - 1);
    pos = end == std::string_view::npos ? all.size() : end;
    size_t nul = rec.find('\0');
    if (nul == std::string_view::npos) continue;
    auto when = util::ParseDateTime(rec.substr(0, nul));
    if (!when) continue;
    std::string_view files = rec.substr(nul + 1);
    size_t start = 0;
    while (start < files.size()) {
      size_t stop = files.find('\0', start);
      if (stop == std::string_view::npos) stop = files.size();
      std::string_view name = files.substr(start, stop - start);
      while (!name.empty() && name.front() == '\n') name.remove_prefix(1);
      start = stop + 1;
      if (name.empty()) continue;
      auto [it, fresh] = h.files_.try_emplace(std::string(name));
      if (fresh) it->second.last_changed = *when;  // newest commit comes first
      it->second.commits += 1;
    }
  }
  return h;
}

const FileHistory* GitHistory::Find(const std::string& relative_path) const {
  auto it = files_.find(relative_path);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace casebook::content
