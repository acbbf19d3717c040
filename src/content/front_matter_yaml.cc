// YAML front matter -> FmNode (see front_matter.h). Plain scalars are typed
// by the YAML 1.2 core schema (null, true/false, integers, floats) plus
// timestamps (anything util::ParseDateTime reads); quoted scalars are strings.
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <regex>

#include "content/front_matter.h"
#include "content/limits.h"
#include "util/datetime.h"

namespace casebook::content::internal {

namespace {

constexpr int kMaxDepth = 64;

void TypePlain(const std::string& s, FmNode* out) {
  static const std::regex kInt(R"([-+]?[0-9]+)");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    out->kind = FmNode::Kind::kNull;
  } else if (s == "true" || s == "True" || s == "TRUE") {
    out->kind = FmNode::Kind::kBool;
    out->b = true;
  } else if (s == "false" || s == "False" || s == "FALSE") {
    out->kind = FmNode::Kind::kBool;
    out->b = false;
  } else if (s.size() < 19 && std::regex_match(s, kInt)) {
    out->kind = FmNode::Kind::kInt;
    out->i = std::strtoll(s.c_str(), nullptr, 10);
  } else if (s.size() < 40 && std::regex_match(s, kFloat)) {
    out->kind = FmNode::Kind::kFloat;
    out->f = std::strtod(s.c_str(), nullptr);
  } else if (s.size() < 40 && util::ParseDateTime(s)) {
    out->kind = FmNode::Kind::kDate;
    out->text = s;
  } else {
    out->kind = FmNode::Kind::kString;
    out->text = s;
  }
}

// The values left to convert: YAML aliases share one node in yaml-cpp, but
// converting copies it at every use, so 9 aliases of 9 aliases ... ("billion
// laughs": 300 bytes) would make gigabytes. When none are left the
// conversion stops at `line` (the caller reports it).
struct Budget {
  long left = kMaxFrontMatterValues;
  int line = 0;  // where it ran out; 0 while some are left
  int key_line = 0;  // the top-level key being converted (an aliased node's
                     // own line is where its anchor was written)
};

void Convert(const YAML::Node& n, int offset, int depth, Budget* budget, FmNode* out) {
  out->line = n.Mark().line + 1 + offset;
  out->column = n.Mark().column + 1;
  if (depth > kMaxDepth || budget->line) return;
  if (budget->left == 0) {
    budget->line = budget->key_line ? budget->key_line : out->line;
    return;
  }
  --budget->left;
  switch (n.Type()) {
    case YAML::NodeType::Map:
      out->kind = FmNode::Kind::kMap;
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (!it->first.IsScalar()) continue;  // complex keys are not front matter
        out->keys.push_back({it->first.Scalar(), it->first.Mark().line + 1 + offset,
                             it->first.Mark().column + 1});
        if (depth == 0) budget->key_line = out->keys.back().line;
        FmNode child;
        Convert(it->second, offset, depth + 1, budget, &child);
        out->items.push_back(std::move(child));
        if (budget->line) return;
      }
      break;
    case YAML::NodeType::Sequence:
      out->kind = FmNode::Kind::kList;
      for (const auto& item : n) {
        FmNode child;
        Convert(item, offset, depth + 1, budget, &child);
        if (budget->line) return;
        out->items.push_back(std::move(child));
      }
      break;
    case YAML::NodeType::Scalar:
      if (n.Tag() == "?") {
        TypePlain(n.Scalar(), out);
      } else {
        out->kind = FmNode::Kind::kString;
        out->text = n.Scalar();
      }
      break;
    default:
      out->kind = FmNode::Kind::kNull;
      break;
  }
}

}  // namespace

bool ParseYamlBlock(std::string_view block, int first_line, const std::string& file,
                    FmNode* out, util::Diagnostics* diags) {
  const int offset = first_line - 1;  // YAML line 0 is file line first_line
  const char* hint = "fix the YAML between the --- lines (\"key: value\", one per line)";
  try {
    YAML::Node root = YAML::Load(std::string(block));
    if (root.IsNull() || !root.IsDefined()) {
      out->kind = FmNode::Kind::kMap;  // empty front matter
      out->line = first_line;
      return true;
    }
    if (!root.IsMap()) {
      diags->Error(file, root.Mark().line + 1 + offset, "schema/front-matter",
                   "YAML front matter must be a map of keys (title: ..., date: ...)",
                   hint, root.Mark().column + 1);
      return false;
    }
    Budget budget;
    Convert(root, offset, 0, &budget, out);
    if (budget.line) {
      *out = FmNode{};
      diags->Error(file, budget.line, "limits/front-matter",
                   "YAML front matter expands to more than " +
                       std::to_string(kMaxFrontMatterValues) +
                       " values (aliases such as *name repeat what they name); the file is left "
                       "out",
                   "write the values out instead of nesting aliases of aliases");
      return false;
    }
    return true;
  } catch (const YAML::ParserException& e) {
    bool known = e.mark.line >= 0;
    diags->Error(file, known ? e.mark.line + 1 + offset : first_line, "schema/front-matter",
                 "YAML front matter does not parse: " + e.msg, hint,
                 known ? e.mark.column + 1 : 0);
  } catch (const YAML::Exception& e) {
    diags->Error(file, first_line, "schema/front-matter",
                 "YAML front matter does not parse: " + e.msg, hint);
  } catch (const std::exception& e) {
    diags->Error(file, first_line, "schema/front-matter",
                 std::string("YAML front matter does not parse: ") + e.what(), hint);
  }
  return false;
}

}  // namespace casebook::content::internal
