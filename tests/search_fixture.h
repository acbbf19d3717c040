// A hand-built archive for the search tests: eight postmortems with distinct
// vocabularies, built straight into a model::SiteModel (no loader, no
// Markdown), and helpers to index it into a temporary folder.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/site_model.h"
#include "search/index_builder.h"
#include "search/searcher.h"
#include "util/datetime.h"
#include "util/value.h"

namespace casebook::test {

struct PmSpec {
  std::string id, title, summary, body, date, severity;
  std::vector<std::string> tags, services, categories;
  std::optional<int64_t> ttr;  // seconds
  std::vector<content::ActionItem> actions;
  std::string status = "final";
  std::vector<std::string> related;
  std::vector<std::string> timeline;
};

inline config::SiteConfig FixtureConfig() {
  config::SiteConfig cfg;
  cfg.severities = config::DefaultSeverities();
  cfg.taxonomies = {"tags", "services", "severity", "categories"};
  cfg.search.synonyms["db"] = {"database", "postgres"};
  cfg.search.synonyms["k8s"] = {"kubernetes"};
  return cfg;
}

inline content::ActionItem Action(std::string text, std::string owner,
                                  std::string status = "open") {
  content::ActionItem a;
  a.text = std::move(text);
  a.owner = std::move(owner);
  a.status = std::move(status);
  return a;
}

inline std::vector<PmSpec> FixtureSpecs() {
  return {
      {"db-failover",
       "Primary database failover stalled checkout",
       "The primary Postgres node crashed and failover took 40 minutes.",
       "Replication lag on the standby delayed the failover. Patroni refused to promote the "
       "replica while lag exceeded the threshold. The connection pool was exhausted and "
       "checkout requests timed out.",
       "2023-03-14",
       "SEV1",
       {"database", "failover"},
       {"checkout", "Payments API"},
       {"infrastructure"},
       9000,
       {Action("Add replication lag alerting", "Jane Doe"),
        Action("Document the manual promotion runbook", "ops-team", "done")},
       "final",
       {},
       {"Primary crashed", "Failover completed"}},
      {"kube-dns",
       "Kubernetes DNS outage in the search cluster",
       "CoreDNS pods were evicted and name resolution failed across the cluster.",
       "The kubelet evicted CoreDNS pods under memory pressure. Services could not resolve "
       "names because ndots settings multiplied lookups. Nodes were cordoned and the pods "
       "rescheduled.",
       "2023-06-02",
       "SEV2",
       {"kubernetes", "dns"},
       {"search"},
       {"platform"},
       2700,
       {Action("Reserve memory for system pods", "sam", "done")}},
      {"cert-expiry",
       "TLS certificate expired on the API gateway",
       "An expired certificate made every HTTPS request to the gateway fail.",
       "The certificate renewal cron job had been failing silently for weeks. Letsencrypt "
       "rate limits slowed the manual renewal. Clients saw handshake errors.",
       "2022-11-20",
       "SEV2",
       {"tls", "certificates"},
       {"gateway"},
       {"security"},
       3600,
       {Action("Alert thirty days before certificate expiry", "Priya")},
       "review"},
      {"cache-stampede",
       "Cache stampede after the catalog deploy",
       "A deploy flushed Redis and a thundering herd overloaded the catalog service.",
       "Every key expired at once because the deploy reset the TTL. The thundering herd of "
       "cache misses saturated the catalog backend until requests were shed.",
       "2024-01-10",
       "SEV3",
       {"cache", "deploy"},
       {"catalog"},
       {"application"},
       1200,
       {Action("Add jitter to cache expiry", "Lee")}},
      {"disk-full",
       "Log volume filled the disk on the database replica",
       "WAL files and logs filled the replica's disk and replication stopped.",
       "Logrotate was misconfigured, so logs grew without bound. The Postgres replica ran "
       "out of disk, replication lag grew, and the database replica was rebuilt.",
       "2023-09-05",
       "SEV3",
       {"database", "storage"},
       {"checkout"},
       {"infrastructure"},
       10800,
       {Action("Fix logrotate on database hosts", "Jane Doe")}},
      {"payment-timeouts",
       "Payment provider timeouts",
       "The card provider slowed down and our retries made it worse.",
       "Aggressive retries without a circuit breaker multiplied traffic to the provider. "
       "Timeouts cascaded into the order pipeline.",
       "2024-02-20",
       "SEV1",
       {"third-party"},
       {"Payments API"},
       {"application"},
       18000,
       {Action("Add a circuit breaker around the provider", "Omar")}},
      {"config-typo",
       "Feature flag typo disabled search",
       "A typo in a YAML flag file turned search off for everyone.",
       "The flag file had a misspelled key (<enabled> & co), so the default applied. Rollback "
       "restored search within minutes.",
       "2022-05-01",
       "SEV4",
       {"config", "deploy"},
       {"search"},
       {"application"},
       std::nullopt,
       {},
       "draft"},
      {"db-migration-lock",
       "Schema migration locked the orders table",
       "An ALTER TABLE on the orders table held a lock and blocked writes.",
       "The migration took an exclusive lock on the Postgres orders table. Replication lag "
       "grew on the replica while the database queued writes. The migration was cancelled.",
       "2023-11-02",
       "SEV2",
       {"database", "deploy"},
       {"orders"},
       {"infrastructure"},
       5400,
       {Action("Run migrations with lock timeouts", "Jane Doe")},
       "final",
       {"db-failover"}},
  };
}

inline model::Postmortem MakePostmortem(const PmSpec& s, const config::SiteConfig& cfg) {
  model::Postmortem pm;
  content::Document& d = pm.doc;
  d.id = s.id;
  d.title = s.title;
  d.summary = s.summary;
  d.body = s.body;
  d.relative_path = s.date.substr(0, 4) + "/" + s.date + "-" + s.id + ".md";
  d.path = "content/" + d.relative_path;
  d.severity = s.severity;
  d.status = s.status;
  d.tags = s.tags;
  d.services = s.services;
  d.actions = s.actions;
  if (!s.categories.empty()) d.extra["categories"] = util::Value::Strings(s.categories);
  for (const auto& t : s.timeline) {
    content::TimelineEntry e;
    e.at = *util::ParseDateTime(s.date + "T10:00:00Z");
    e.text = t;
    d.timeline.push_back(e);
  }
  pm.url = "postmortems/" + s.id + "/";
  pm.body.plain_text = s.body;
  pm.incident_date = util::ParseDateTime(s.date + "T10:00:00Z");
  pm.durations.resolve = s.ttr;
  pm.severity_rank = cfg.SeverityRank(s.severity).value_or(-1);
  return pm;
}

/// Numbers for synthetic test archives (a 64-bit LCG): next(n) is in
/// [0, n), the same sequence on every machine for the same seed.
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : state_(seed) {}
  uint64_t operator()(uint64_t n) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state_ >> 33) % n;
  }

 private:
  uint64_t state_;
};

/// A postmortem of the synthetic search archives (closeness, page prefix):
/// `words` as its body, one summary, in the payments tag and the
/// checkout-api service.
inline PmSpec SyntheticSpec(std::string id, std::string title, const std::vector<std::string>& words,
                            std::string date, std::string severity = "SEV3") {
  PmSpec s;
  s.id = std::move(id);
  s.title = std::move(title);
  s.summary = "Something slowed down.";
  for (const auto& w : words) s.body += w + " ";
  s.date = std::move(date);
  s.severity = std::move(severity);
  s.tags = {"payments"};
  s.services = {"checkout-api"};
  return s;
}

/// One page of `q` by relevance, as `casebook search --offset --limit` asks.
inline search::SearchResult SearchPage(search::Searcher& s, const std::string& q, int offset,
                                       int limit) {
  search::SearchRequest r;
  r.query = q;
  r.offset = offset;
  r.limit = limit;
  return s.Search(r);
}

/// Day i % 28 + 1 of `month` ("2024-03"), as a date.
inline std::string DayOf(const std::string& month, int i) {
  const int day = i % 28 + 1;
  return month + (day < 10 ? "-0" : "-") + std::to_string(day);
}

/// Builds the model (postmortems in spec order; related resolved).
inline model::SiteModel MakeSite(const std::vector<PmSpec>& specs, const config::SiteConfig* cfg) {
  model::SiteModel site;
  site.config = cfg;
  for (const auto& s : specs) {
    site.by_id[s.id] = static_cast<int>(site.postmortems.size());
    site.postmortems.push_back(MakePostmortem(s, *cfg));
  }
  for (size_t i = 0; i < specs.size(); ++i)
    for (const auto& r : specs[i].related)
      if (site.by_id.count(r)) site.postmortems[i].related.push_back(site.by_id[r]);
  return site;
}

/// Indexes the model of `specs` into `index_dir`; throws when it cannot (for
/// a fixture's constructor).
inline void IndexSpecs(const std::vector<PmSpec>& specs, const config::SiteConfig* cfg,
                       const std::string& index_dir) {
  const model::SiteModel site = MakeSite(specs, cfg);
  util::Diagnostics diags;
  search::IndexStats stats;
  if (!search::UpdateIndex(site, index_dir, &stats, &diags))
    throw std::runtime_error("index failed");
}

/// Every postmortem's similar incidents as "id: other(word,word) ...", to
/// compare two computations of them.
inline std::vector<std::string> SimilarOf(const model::SiteModel& m) {
  std::vector<std::string> out;
  for (const auto& pm : m.postmortems) {
    std::string line = pm.doc.id + ":";
    for (const auto& s : pm.similar) {
      line += " " + m.postmortems[s.index].doc.id + "(";
      for (const auto& t : s.shared_terms) line += t + ",";
      line += ")";
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace casebook::test
