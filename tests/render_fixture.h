// A small SiteModel built by hand for the render tests: three postmortems,
// tags / services / severity taxonomies, related + referenced_by +
// previous/next, action items (one overdue, one with a space in its
// ticket), a title with <script> and &, a draft and one in review.
// Built directly (not through BuildSiteModel) so the render tests exercise
// rendering only.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "config/config.h"
#include "model/site_model.h"
#include "util/datetime.h"

namespace casebook::test {

inline util::DateTime Dt(const std::string& text) {
  auto t = util::ParseDateTime(text);
  if (!t) throw std::runtime_error("bad date in fixture: " + text);
  return *t;
}

struct RenderFixture {
  config::SiteConfig cfg;
  model::SiteModel site;
};

inline model::Postmortem MakePostmortem(const std::string& id, const std::string& title,
                                        const std::string& severity, int rank,
                                        const std::string& started) {
  model::Postmortem pm;
  pm.doc.id = id;
  pm.doc.title = title;
  pm.doc.severity = severity;
  pm.doc.relative_path = started.substr(0, 4) + "/" + id + ".md";
  pm.doc.incident.started = Dt(started);
  pm.doc.date = Dt(started.substr(0, 10));
  pm.url = "postmortems/" + id + "/";
  pm.incident_date = Dt(started);
  pm.severity_rank = rank;
  return pm;
}

/// `root` is the site root (theme under root/themes/default).
inline std::unique_ptr<RenderFixture> MakeRenderFixture(const std::string& root) {
  auto f = std::make_unique<RenderFixture>();
  config::SiteConfig& cfg = f->cfg;
  cfg.root = root;
  cfg.title = "Example & Co postmortems";
  cfg.description = "What broke, what we learned.";
  cfg.base_url = "https://example.com/pm/";
  cfg.relative_urls = false;  // these tests read the absolute links; see render_relative_test
  cfg.severities = {
      {"SEV1", "Critical", "#b91c1c", "Customers cannot pay."},
      {"SEV2", "Major", "#c2410c", "A key feature is degraded."},
      {"SEV3", "Minor", "#facc15", "Some users notice."},
  };
  cfg.taxonomies = {"tags", "services", "severity"};
  cfg.ticket_url = "https://jira.example.com/browse/{ticket}";
  cfg.source_url = "https://git.example.com/pm/blob/main/{path}";

  model::SiteModel& site = f->site;
  site.config = &cfg;
  site.today = Dt("2024-06-01");

  // 0: newest. Escaping, durations, actions, related, history, figures.
  auto a = MakePostmortem("2024-03-12-checkout-pool",
                          "Checkout <script>alert(1)</script> & pool exhaustion", "SEV1", 0,
                          "2024-03-12T09:14:00Z");
  a.doc.summary = "Checkout returned 503s.";
  a.summary_html = "Checkout returned <code>503</code>s.";
  a.doc.tags = {"database", "deploy"};
  a.doc.services = {"checkout-api", "postgres"};
  a.doc.authors = {"Dana Li", "Sam <b>Ortiz</b>"};
  a.doc.facilitator = "Sam Ortiz";
  a.doc.contact = "team-payments";
  a.doc.incident.detected = Dt("2024-03-12T09:21:00Z");
  a.doc.incident.mitigated = Dt("2024-03-12T09:48:00Z");
  a.doc.incident.resolved = Dt("2024-03-12T11:19:00Z");
  a.durations.detect = 420;
  a.durations.mitigate = 34 * 60;
  a.durations.resolve = 2 * 3600 + 5 * 60;
  a.doc.timeline = {{Dt("2024-03-12T09:14:00Z"), "Deploy 4121 starts.", 20},
                    {Dt("2024-03-12T09:21:00Z"), "Alert fires.", 24}};
  a.timeline_html = {"Deploy <strong>4121</strong> starts.", "Alert fires."};
  content::ActionItem overdue{"Alert on pool use", "team-payments", Dt("2024-04-01"), "PAY 1432", "open", 30};
  content::ActionItem done{"Raise pool size", "Dana Li", Dt("2024-03-20"), "PAY-1400", "done", 36};
  content::ActionItem later{"Load test checkout", "", Dt("2024-12-01"), "", "open", 40};
  a.doc.actions = {overdue, done, later};
  a.action_html = {"Alert on pool use", "Raise pool size", "Load test checkout"};
  a.body.html = "<h2 id=\"impact\">Impact<a class=\"anchor\" href=\"#impact\">#</a></h2>\n<p>Bad.</p>\n"
                "<h3 id=\"numbers\">Numbers<a class=\"anchor\" href=\"#numbers\">#</a></h3>\n"
                "<ul>\n<li>Time to detection: 8 minutes</li>\n</ul>\n";
  a.doc.body_line = 45;  // front matter above: the actions' lines are in it
  a.body.headings = {{2, "Impact", "impact", 50}, {3, "Numbers", "numbers", 52}};
  a.doc.figures = {{"Time to detection", "8 minutes", 60}};
  a.doc.extra["customer"] = util::Value("acme");
  a.history = content::FileHistory{Dt("2024-03-15T10:00:00Z"), 3};
  a.related = {1};
  a.referenced_by = {2};
  a.similar = {{2, {"database", "timeout"}}};
  a.previous = 1;

  // 1: in review, between the others.
  auto b = MakePostmortem("2023-11-02-primary-failover", "Primary database failover", "SEV2", 1,
                          "2023-11-02T22:00:00Z");
  b.doc.status = "review";
  b.doc.tags = {"database"};
  b.doc.services = {"postgres"};
  b.summary_html = "The primary failed over.";
  b.referenced_by = {0};
  b.previous = 2;
  b.next = 0;

  // 2: oldest, a draft, links to 0.
  auto c = MakePostmortem("2022-05-01-dns", "DNS timeouts", "SEV3", 2, "2022-05-01T08:00:00Z");
  c.doc.status = "draft";
  c.doc.tags = {"dns"};
  c.doc.services = {"dns"};
  c.related = {0};
  c.next = 1;

  site.postmortems = {std::move(a), std::move(b), std::move(c)};
  for (size_t i = 0; i < site.postmortems.size(); ++i) {
    site.by_id[site.postmortems[i].id()] = static_cast<int>(i);
  }

  model::Taxonomy tags{"tags", "Tags", {}};
  tags.terms = {{"database", "database", "", "", {0, 1}},
                {"deploy", "deploy", "", "", {0}},
                {"dns", "dns", "", "", {2}}};
  model::Taxonomy services{"services", "Services", {}};
  services.terms = {{"checkout-api", "checkout-api", "", "", {0}},
                    {"dns", "dns", "", "", {2}},
                    {"postgres", "postgres", "", "", {0, 1}}};
  model::Taxonomy severity{"severity", "Severity", {}};
  severity.terms = {{"SEV1", "sev1", "Customers cannot pay.", "#b91c1c", {0}},
                    {"SEV2", "sev2", "A key feature is degraded.", "#c2410c", {1}},
                    {"SEV3", "sev3", "Some users notice.", "#facc15", {2}}};
  site.taxonomies = {tags, services, severity};

  site.archive = {{2024, {{3, {0}}}, 1}, {2023, {{11, {1}}}, 1}, {2022, {{5, {2}}}, 1}};
  return f;
}

}  // namespace casebook::test
