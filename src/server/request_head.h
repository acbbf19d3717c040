// A request head as the connection layer sees it before the HTTP library
// does: where it ends in the bytes received so far, and the header fields
// that casebook handles itself, taken out of the head.
//
// Why take fields out: cpp-httplib 0.11 (Debian) acts on some of them in
// ways we do not want. It slices bodies for `Range` but keeps status 200 and
// reports multipart totals of 0, answers 416 to a range unit it does not
// know (RFC 9110 says ignore it); it compresses for `Accept-Encoding` by
// substring ("br;q=0" means brotli) without `Vary`; and it reads request
// bodies on a worker thread at the client's pace. So those fields never
// reach it: Range and Accept-Encoding are handled by casebook
// (byte_ranges.h, gzip.h), and a declared body is never read (the request
// is answered and the connection closed; we take no request bodies).
//
// Pure functions on strings; thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace casebook::server {

/// Bytes from the start of `buffer` up to and including the blank line that
/// ends the first request head ("\r\n\r\n", or "\n\n" from sloppy clients),
/// or 0 while the head is incomplete. Leading blank lines (allowed before a
/// request line by RFC 9112) count as part of the head. `scanned`: how many
/// bytes an earlier call (on the same buffer, shorter) found no end in; the
/// search resumes just before them, so a head trickled in byte by byte
/// costs linear time, not quadratic.
size_t RequestHeadLength(const std::string& buffer, size_t scanned = 0);

/// The fields taken out of one head.
struct HeadFields {
  std::string range;            // the Range value ("" = none)
  bool several_ranges = false;  // more than one Range field: ignore ranges
  std::string if_range;         // If-Range value (we send no validators:
                                // any If-Range means "send it all")
  std::string accept_encoding;  // all Accept-Encoding values, ", "-joined
  bool declares_body = false;   // Content-Length > 0 or Transfer-Encoding
  bool content_length_too_big = false;  // over the limit given (-> 413)
};

/// Takes Range, If-Range, Accept-Encoding, Content-Length and
/// Transfer-Encoding out of the head at the start of `buffer` (its length
/// `head_length`, from RequestHeadLength) and drops leading blank lines;
/// the rest of the buffer (pipelined requests) is untouched. Returns what
/// was taken; `*head_length` becomes the new length of the head.
HeadFields TakeHeadFields(std::string* buffer, size_t* head_length, size_t max_body_bytes);

}  // namespace casebook::server
