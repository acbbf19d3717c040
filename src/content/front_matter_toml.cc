// TOML front matter -> FmNode (see front_matter.h).
#include <toml++/toml.h>

#include <algorithm>
#include <cstdio>

#include "content/front_matter.h"

namespace casebook::content::internal {

namespace {

constexpr int kMaxDepth = 64;

std::string Pad(int v, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*d", width, v);
  return buf;
}

std::string DateText(const toml::date& d) {
  return Pad(d.year, 4) + "-" + Pad(d.month, 2) + "-" + Pad(d.day, 2);
}

std::string TimeText(const toml::time& t) {
  return Pad(t.hour, 2) + ":" + Pad(t.minute, 2) + ":" + Pad(t.second, 2);
}

std::string DateTimeText(const toml::date_time& dt) {
  std::string s = DateText(dt.date) + "T" + TimeText(dt.time);
  if (dt.offset) {
    int m = dt.offset->minutes;
    if (m == 0) {
      s += "Z";
    } else {
      int a = m < 0 ? -m : m;
      s += (m < 0 ? "-" : "+") + Pad(a / 60, 2) + ":" + Pad(a % 60, 2);
    }
  }
  return s;
}

void Convert(const toml::node& n, int offset, int depth, FmNode* out) {
  out->line = static_cast<int>(n.source().begin.line) + offset;
  out->column = static_cast<int>(n.source().begin.column);
  if (depth > kMaxDepth) return;  // toml++ limits nesting already; belt and braces
  switch (n.type()) {
    case toml::node_type::table:
      out->kind = FmNode::Kind::kMap;
    {
      // toml++ tables iterate by key; keep file order like YAML does.
      std::vector<std::pair<FmNode::Key, const toml::node*>> order;
      for (const auto& [k, v] : *n.as_table()) {
        FmNode::Key key{std::string(k.str()), static_cast<int>(k.source().begin.line) + offset,
                        static_cast<int>(k.source().begin.column)};
        order.emplace_back(std::move(key), &v);
      }
      std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        return a.first.line != b.first.line ? a.first.line < b.first.line
                                            : a.first.column < b.first.column;
      });
      for (auto& [key, v] : order) {
        FmNode child;
        Convert(*v, offset, depth + 1, &child);
        out->keys.push_back(std::move(key));
        out->items.push_back(std::move(child));
      }
      break;
    }
    case toml::node_type::array:
      out->kind = FmNode::Kind::kList;
      for (const auto& item : *n.as_array()) {
        FmNode child;
        Convert(item, offset, depth + 1, &child);
        out->items.push_back(std::move(child));
      }
      break;
    case toml::node_type::string:
      out->kind = FmNode::Kind::kString;
      out->text = n.as_string()->get();
      break;
    case toml::node_type::integer:
      out->kind = FmNode::Kind::kInt;
      out->i = n.as_integer()->get();
      break;
    case toml::node_type::floating_point:
      out->kind = FmNode::Kind::kFloat;
      out->f = n.as_floating_point()->get();
      break;
    case toml::node_type::boolean:
      out->kind = FmNode::Kind::kBool;
      out->b = n.as_boolean()->get();
      break;
    case toml::node_type::date:
      out->kind = FmNode::Kind::kDate;
      out->text = DateText(n.as_date()->get());
      break;
    case toml::node_type::time:
      out->kind = FmNode::Kind::kString;  // a bare time is not a date
      out->text = TimeText(n.as_time()->get());
      break;
    case toml::node_type::date_time:
      out->kind = FmNode::Kind::kDate;
      out->text = DateTimeText(n.as_date_time()->get());
      break;
    default:
      break;
  }
}

}  // namespace

bool ParseTomlBlock(std::string_view block, int first_line, const std::string& file,
                    FmNode* out, util::Diagnostics* diags) {
  const int offset = first_line - 1;  // TOML line 1 is file line first_line
  try {
    toml::table root = toml::parse(block, std::string_view(file));
    Convert(root, offset, 0, out);
    out->kind = FmNode::Kind::kMap;
    out->line = first_line;
    out->column = 1;
    return true;
  } catch (const toml::parse_error& e) {
    int line = static_cast<int>(e.source().begin.line);
    diags->Error(file, line > 0 ? line + offset : first_line, "schema/front-matter",
                 "TOML front matter does not parse: " + std::string(e.description()),
                 "fix the TOML between the +++ lines (strings need quotes; dates look "
                 "like 2024-03-14)",
                 static_cast<int>(e.source().begin.column));
    return false;
  }
}

}  // namespace casebook::content::internal
