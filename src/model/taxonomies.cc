// Grouping: taxonomy terms, the date archive and the action-item list.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "model/steps.h"
#include "util/slug.h"
#include "util/text.h"

namespace casebook::model {
namespace {

struct TermBuilder {
  std::map<std::string, int> spellings;  // spelling -> count
  std::string first_spelling;
  std::vector<int> postmortems;
};

// The most common spelling wins; ties go to the one seen first.
std::string BestSpelling(const TermBuilder& b) {
  std::string best = b.first_spelling;
  int best_count = b.spellings.at(best);
  for (const auto& [spelling, count] : b.spellings)
    if (count > best_count) {
      best = spelling;
      best_count = count;
    }
  return best;
}

// Once per term, at the first file (by archive order) that uses it.
void WarnSlug(const content::Document& doc, const std::string& key, const std::string& value,
              const std::string& slug, util::SlugFix fix, util::Diagnostics* diags) {
  if (fix == util::SlugFix::kFallback)
    diags->Warning(doc.SourceName(), doc.LineOf(key), "names/fallback-slug",
                   key + " \"" + value + "\" has no letter or digit to name its page; it is " +
                       key + "/" + slug + "/",
                   "add a word to the term (e.g. \"fire 🔥\") for a readable URL");
  else
    diags->Warning(doc.SourceName(), doc.LineOf(key), "names/shortened-slug",
                   key + " \"" + util::Truncate(value, 60) + "\" is too long for a folder name (" +
                       std::to_string(util::Slugify(value).size()) + " bytes); its page is " + key +
                       "/" + slug + "/",
                   "use a shorter term (at most " + std::to_string(util::kMaxSlugBytes) +
                       " bytes once made a slug)");
}

}  // namespace

void BuildTaxonomies(const config::SiteConfig& cfg, SiteModel* site, util::Diagnostics* diags) {
  for (const auto& key : cfg.taxonomies) {
    Taxonomy tax;
    tax.key = key;
    tax.label = TaxonomyLabel(key);
    std::map<std::string, TermBuilder> by_slug;
    // Each distinct value is cleaned and slugged once (an archive repeats a
    // few hundred values across all its postmortems). A spelling first
    // seen as a duplicate within one postmortem stays at count 0 until
    // used: BestSpelling never picks it then, as before.
    struct Value {
      std::string cleaned;           // StripControls(value)
      std::string slug;              // only kept for a warning (fix != kNone)
      TermBuilder* term = nullptr;   // by_slug's (map nodes do not move)
      int* spelling = nullptr;       // the term's count for `cleaned`
      util::SlugFix fix = util::SlugFix::kNone;
    };
    std::unordered_map<std::string, Value> values_seen;
    std::vector<const TermBuilder*> seen;  // this postmortem's terms so far
    for (size_t i = 0; i < site->postmortems.size(); ++i) {
      const auto& doc = site->postmortems[i].doc;
      // The common lists are read in place; others are copied out.
      const std::vector<std::string>* listed =
          key == "tags" ? &doc.tags : key == "services" ? &doc.services : nullptr;
      std::vector<std::string> values;
      if (!listed) {
        values = key == "severity" ? (doc.severity.empty() ? std::vector<std::string>{}
                                                           : std::vector<std::string>{doc.severity})
                                   : doc.Taxonomy(key);
        listed = &values;
      }
      seen.clear();  // a value listed twice counts once
      for (const auto& raw : *listed) {
        auto [it, added] = values_seen.try_emplace(raw);
        Value& v = it->second;
        if (added) {
          std::string value = util::StripControls(raw);
          if (util::Trim(value).empty()) continue;
          std::string slug = util::SafeSlug(value, "_term-", &v.fix);
          v.term = &by_slug[slug];
          v.spelling = &v.term->spellings[value];
          v.cleaned = std::move(value);
          if (v.fix != util::SlugFix::kNone) v.slug = std::move(slug);
        }
        if (!v.term) continue;  // blank
        if (std::find(seen.begin(), seen.end(), v.term) != seen.end()) continue;
        seen.push_back(v.term);
        TermBuilder& b = *v.term;
        if (b.first_spelling.empty()) {
          b.first_spelling = v.cleaned;
          if (v.fix != util::SlugFix::kNone) WarnSlug(doc, key, v.cleaned, v.slug, v.fix, diags);
        }
        ++*v.spelling;
        b.postmortems.push_back(static_cast<int>(i));
      }
    }
    if (key == "severity") {
      // Every configured level, in site.toml order, even when unused.
      for (const auto& level : cfg.severities) {
        Term term;
        term.slug = TermSlug(level.name);
        term.name = level.name;
        term.description = level.description;
        term.color = level.color;
        auto it = by_slug.find(term.slug);
        if (it != by_slug.end()) {
          term.postmortems = it->second.postmortems;
          by_slug.erase(it);
        }
        tax.terms.push_back(std::move(term));
      }
    }
    std::vector<Term> rest;
    for (auto& [slug, b] : by_slug) {
      Term term;
      term.slug = slug;
      term.name = BestSpelling(b);
      term.postmortems = std::move(b.postmortems);
      rest.push_back(std::move(term));
    }
    std::sort(rest.begin(), rest.end(), [](const Term& a, const Term& b) {
      std::string la = util::ToLowerAscii(a.name), lb = util::ToLowerAscii(b.name);
      return la != lb ? la < lb : a.slug < b.slug;
    });
    for (auto& t : rest) tax.terms.push_back(std::move(t));
    site->taxonomies.push_back(std::move(tax));
  }
}

void BuildArchive(const config::SiteConfig& cfg, SiteModel* site) {
  // Postmortems are newest first, so years and months come out newest first.
  for (size_t i = 0; i < site->postmortems.size(); ++i) {
    const auto& date = site->postmortems[i].incident_date;
    if (!date) continue;
    std::string day = util::FormatDate(*date, cfg.timezone_offset_minutes);
    int year = std::stoi(day.substr(0, 4));
    int month = std::stoi(day.substr(5, 2));
    if (site->archive.empty() || site->archive.back().year != year)
      site->archive.push_back(ArchiveYear{year, {}, 0});
    ArchiveYear& y = site->archive.back();
    if (y.months.empty() || y.months.back().month != month)
      y.months.push_back(ArchiveMonth{month, {}});
    y.months.back().postmortems.push_back(static_cast<int>(i));
    ++y.count;
  }
}

void CollectActions(SiteModel* site) {
  // Open first, then those with a due date by date, then the rest; ties keep
  // postmortem order, then item order. The keys are computed once (comparing
  // status strings inside the sort was most of its time at 10,000).
  struct Key {
    bool open;
    bool has_due;
    int64_t due;
    size_t order;
    ActionRef ref;
  };
  std::vector<Key> keys;
  for (size_t p = 0; p < site->postmortems.size(); ++p) {
    const auto& actions = site->postmortems[p].doc.actions;
    for (size_t a = 0; a < actions.size(); ++a) {
      const auto& item = actions[a];
      keys.push_back(Key{item.status == "open", item.due.has_value(),
                         item.due ? item.due->utc_seconds : 0, keys.size(),
                         ActionRef{static_cast<int>(p), static_cast<int>(a)}});
    }
  }
  std::sort(keys.begin(), keys.end(), [](const Key& x, const Key& y) {
    if (x.open != y.open) return x.open;
    if (x.has_due != y.has_due) return x.has_due;
    if (x.has_due && x.due != y.due) return x.due < y.due;
    return x.order < y.order;
  });
  site->actions.clear();
  site->actions.reserve(keys.size());
  for (const Key& k : keys) site->actions.push_back(k.ref);
}

}  // namespace casebook::model
