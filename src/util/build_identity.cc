// See build_identity.h.
#include "util/build_identity.h"

#include <elf.h>
#include <link.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "util/fs.h"
#include "util/hash.h"

#ifndef CASEBOOK_VERSION
#define CASEBOOK_VERSION "dev"
#endif

namespace casebook::util {
namespace {

std::string Hex(const unsigned char* bytes, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

// The NT_GNU_BUILD_ID note of the main program (the first object
// dl_iterate_phdr reports), or "" when it has none.
std::string GnuBuildId() {
  std::string id;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) -> int {
        auto* out = static_cast<std::string*>(data);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
          const char* end = p + ph.p_memsz;
          while (p + sizeof(ElfW(Nhdr)) <= end) {
            ElfW(Nhdr) note;
            std::memcpy(&note, p, sizeof note);
            const char* name = p + sizeof note;
            const char* desc = name + ((note.n_namesz + 3) & ~size_t{3});
            const char* next = desc + ((note.n_descsz + 3) & ~size_t{3});
            if (next > end) break;
            if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
                std::memcmp(name, "GNU", 4) == 0 && note.n_descsz > 0) {
              *out = Hex(reinterpret_cast<const unsigned char*>(desc), note.n_descsz);
              return 1;
            }
            p = next;
          }
        }
        return 1;  // only the main program
      },
      &id);
  return id;
}

}  // namespace

const std::string& BuildIdentity() {
  static const std::string kIdentity = [] {
    std::string id = GnuBuildId();
    if (id.empty()) {
      if (auto exe = ReadFile("/proc/self/exe", nullptr)) id = Fingerprint(*exe);
    }
    return std::string(CASEBOOK_VERSION) + (id.empty() ? "" : "+" + id);
  }();
  return kIdentity;
}

}  // namespace casebook::util
