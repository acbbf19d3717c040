#include "server/request_head.h"

#include <algorithm>
#include <cstdlib>

#include "util/text.h"

namespace casebook::server {
namespace {

size_t SkipBlankLines(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == '\r' || s[i] == '\n')) ++i;
  return i;
}

}  // namespace

size_t RequestHeadLength(const std::string& buffer, size_t scanned) {
  size_t start = SkipBlankLines(buffer);
  if (start == buffer.size()) return 0;
  start = std::max(start, scanned > 3 ? scanned - 3 : 0);
  size_t crlf = buffer.find("\r\n\r\n", start);
  size_t lf = buffer.find("\n\n", start);
  if (crlf == std::string::npos && lf == std::string::npos) return 0;
  if (lf == std::string::npos || (crlf != std::string::npos && crlf + 2 <= lf)) return crlf + 4;
  return lf + 2;
}

HeadFields TakeHeadFields(std::string* buffer, size_t* head_length, size_t max_body_bytes) {
  HeadFields out;
  const std::string& in = *buffer;
  const size_t start = SkipBlankLines(in.substr(0, *head_length));
  std::string head;
  head.reserve(*head_length);
  bool first_line = true;
  size_t pos = start;
  while (pos < *head_length) {
    size_t eol = in.find('\n', pos);
    if (eol == std::string::npos || eol >= *head_length) eol = *head_length - 1;
    std::string_view line(in.data() + pos, eol + 1 - pos);
    pos = eol + 1;
    size_t colon = line.find(':');
    if (first_line || colon == std::string_view::npos) {
      head.append(line);
      first_line = false;
      continue;
    }
    const std::string name = util::ToLowerAscii(line.substr(0, colon));
    std::string value(util::Trim(line.substr(colon + 1)));
    if (name == "range") {
      out.several_ranges = !out.range.empty();
      out.range = value;
    } else if (name == "if-range") {
      out.if_range = value.empty() ? "-" : value;
    } else if (name == "accept-encoding") {
      if (!out.accept_encoding.empty()) out.accept_encoding += ", ";
      out.accept_encoding += value;
    } else if (name == "transfer-encoding") {
      out.declares_body = true;
    } else if (name == "content-length") {
      // Not a number: a body of unknown length (answered, then closed).
      const bool digits = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
      const bool huge = digits && value.size() > 18;
      const unsigned long long n = digits && !huge ? std::strtoull(value.c_str(), nullptr, 10) : 0;
      if (!digits || huge || n > 0) out.declares_body = true;
      if (huge || n > max_body_bytes) out.content_length_too_big = true;
    } else {
      head.append(line);
    }
  }
  buffer->replace(0, *head_length, head);
  *head_length = head.size();
  return out;
}

}  // namespace casebook::server
