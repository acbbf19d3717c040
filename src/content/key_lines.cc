// Front matter key lines in one string (see key_lines.h).
#include "content/key_lines.h"

namespace casebook::content {

std::pair<size_t, bool> KeyLines::Position(std::string_view key) const {
  for (const_iterator it = begin(), stop = end(); it != stop; ++it) {
    const std::string_view here = it.Key();
    if (here < key) continue;
    return {static_cast<size_t>(it.at_ - bytes_.data()), here == key};
  }
  return {bytes_.size(), false};
}

KeyLines::const_iterator KeyLines::find(std::string_view key) const {
  auto [at, found] = Position(key);
  return found ? const_iterator(bytes_.data() + at) : end();
}

void KeyLines::Insert(size_t at, std::string_view key, int line) {
  char entry[kLengthBytes + kLineBytes];
  const uint32_t size = static_cast<uint32_t>(key.size());
  const int32_t value = line;
  std::memcpy(entry, &size, kLengthBytes);
  std::memcpy(entry + kLengthBytes, &value, kLineBytes);
  std::string bytes;
  bytes.reserve(kLengthBytes + key.size() + kLineBytes);
  bytes.append(entry, kLengthBytes).append(key).append(entry + kLengthBytes, kLineBytes);
  bytes_.insert(at, bytes);
  ++count_;
}

bool KeyLines::emplace(std::string_view key, int line) {
  auto [at, found] = Position(key);
  if (found) return false;
  Insert(at, key, line);
  return true;
}

void KeyLines::Set(std::string_view key, int line) {
  auto [at, found] = Position(key);
  if (!found) {
    Insert(at, key, line);
    return;
  }
  const int32_t value = line;
  std::memcpy(bytes_.data() + at + kLengthBytes + key.size(), &value, kLineBytes);
}

bool KeyLines::FromBytes(std::string bytes, KeyLines* out) {
  *out = KeyLines{};
  uint32_t count = 0;
  std::string_view previous;
  for (size_t at = 0; at < bytes.size(); ++count) {
    uint32_t size;
    if (bytes.size() - at < kLengthBytes + kLineBytes) return false;
    std::memcpy(&size, bytes.data() + at, kLengthBytes);
    if (size > bytes.size() - at - kLengthBytes - kLineBytes) return false;
    const std::string_view key(bytes.data() + at + kLengthBytes, size);
    if (count > 0 && !(previous < key)) return false;
    previous = key;
    at += kLengthBytes + size + kLineBytes;
  }
  out->bytes_ = std::move(bytes);
  out->count_ = count;
  return true;
}

}  // namespace casebook::content
