// Pagination of the list pages (term pages, archive years, action views):
// which slice of a list a page shows, its path, and the pager keys the
// templates read. Page 1 stays at the list's own URL; page n is at
// <list>/page/<n>/. See view.h for the keys.
#include <algorithm>

#include "render/view.h"

namespace casebook::render {

using util::Value;

std::string GroupDigits(size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

size_t PageCount(size_t total, size_t page_size) {
  if (page_size == 0 || total == 0) return 1;
  return (total + page_size - 1) / page_size;
}

std::string PagePath(const std::string& first_path, size_t page) {
  return page <= 1 ? first_path : first_path + "page/" + std::to_string(page) + "/";
}

ListPage Paginate(const std::string& first_path, size_t total, size_t page_size, size_t page) {
  ListPage p;
  p.first_path = first_path;
  p.total = total;
  p.pages = PageCount(total, page_size);
  p.page = std::min(std::max<size_t>(page, 1), p.pages);
  p.begin = page_size == 0 ? 0 : std::min(total, (p.page - 1) * page_size);
  p.end = page_size == 0 ? total : std::min(total, p.begin + page_size);
  return p;
}

void ApplyPage(const ListPage& p, PageInfo* info) {
  info->path = PagePath(p.first_path, p.page);
  if (p.page > 1) {
    info->title += " (page " + std::to_string(p.page) + " of " + std::to_string(p.pages) + ")";
    info->prev_path = PagePath(p.first_path, p.page - 1);
  }
  if (p.page < p.pages) info->next_path = PagePath(p.first_path, p.page + 1);
}

Value View::Pager(const ListPage& p) const {
  Value v = Value::MakeMap();
  v["page"] = static_cast<int64_t>(p.page);
  v["pages"] = static_cast<int64_t>(p.pages);
  v["has_pages"] = p.pages > 1;
  std::string range = p.end == p.begin + 1 ? GroupDigits(p.end)
                                            : GroupDigits(p.begin + 1) + "\u2013" + GroupDigits(p.end);
  v["showing_label"] = p.total == 0 ? std::string() : "Showing " + range + " of " + GroupDigits(p.total);
  auto link = [&](size_t n) {
    Value l = Value::MakeMap();
    l["number"] = static_cast<int64_t>(n);
    l["url"] = Link(PagePath(p.first_path, n));
    return l;
  };
  v["prev"] = p.page > 1 ? link(p.page - 1) : Value(false);
  v["next"] = p.page < p.pages ? link(p.page + 1) : Value(false);
  // A compact set: the first and last pages and two either side of the
  // current one, with a gap marker where pages are left out.
  Value numbers = Value::MakeList();
  size_t last_shown = 0;
  for (size_t n = 1; n <= p.pages; ++n) {
    bool show = n == 1 || n == p.pages || (n + 2 >= p.page && n <= p.page + 2);
    if (!show) continue;
    if (last_shown && n > last_shown + 1) {
      Value gap = Value::MakeMap();
      gap["gap"] = true;
      numbers.Push(std::move(gap));
    }
    Value l = link(n);
    l["gap"] = false;
    l["current"] = n == p.page;
    numbers.Push(std::move(l));
    last_shown = n;
  }
  SetList(v, "numbers", std::move(numbers));
  return v;
}

}  // namespace casebook::render
