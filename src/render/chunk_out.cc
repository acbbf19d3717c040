// ChunkOut (outputs.h): large outputs handed on a megabyte at a time.
#include "render/outputs.h"

namespace casebook::render {

void ChunkOut::Pass(bool all) {
  size_t n = text_.size();
  // A C1 control is two bytes (C2 80..C2 9F) and the renderer strips
  // controls chunk by chunk: a C2 at the end waits for the byte after it,
  // so a chunk never ends inside one.
  if (!all && n > 0 && static_cast<unsigned char>(text_[n - 1]) == 0xC2) --n;
  if (n > 0 && ok_) ok_ = emit_(std::string_view(text_.data(), n));
  passed_ += n;
  text_.erase(0, n);
}

std::string Collect(const std::function<void(ChunkOut&)>& write) {
  std::string all;
  ChunkOut out([&all](std::string_view piece) {
    all += piece;
    return true;
  });
  write(out);
  out.Finish();
  return all;
}

}  // namespace casebook::render
