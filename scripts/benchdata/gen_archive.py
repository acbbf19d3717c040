#!/usr/bin/env python3
"""Writes a synthetic postmortem archive for scripts/bench.

    gen_archive.py OUT_DIR N [--seed S]

OUT_DIR/site.toml      casebook configuration (SEV1..SEV4, taxonomies tags /
                       services / severity, [search] index)
OUT_DIR/content/<yyyy>/<yyyy-mm-dd>-<slug>.md
                       N postmortems of about 4 KB each: TOML front matter
                       (title, id, date, severity, status, summary, tags,
                       services, authors, facilitator, contact, related,
                       [incident], [[timeline]], [[actions]]) and a body with
                       the usual sections, some [[id]] links to earlier ones.

Deterministic: everything comes from random.Random(seed); no clock, no
environment. The same N and seed always give byte-identical files. The files
build under Hugo unchanged (scripts/benchdata/hugo is the matching theme).
"""

import argparse
import datetime as dt
import os
import random
import re
import shutil
import sys

# ---------------------------------------------------------------- vocabulary

TAGS = [
    "database", "postgres", "mysql", "connection-pool", "failover", "replication",
    "deploy", "rollback", "config-change", "feature-flag", "kubernetes", "dns",
    "tls", "certificates", "cdn", "caching", "latency", "timeouts", "retries",
    "overload", "rate-limiting", "kafka", "queue", "rebalance", "memory-leak",
    "disk-full", "cpu-saturation", "network", "load-balancer", "autoscaling",
    "capacity", "monitoring", "alerting", "observability", "logging",
    "third-party", "payments", "authentication", "authorization", "mobile",
    "frontend", "search", "batch-jobs", "cron", "migration", "schema-change",
    "backup", "data-loss", "data-corruption", "security", "secrets", "upgrade",
    "dependency", "storage", "object-storage", "email", "webhooks", "scheduling",
    "clock-skew", "internal-tools", "on-call",
]

INFRA_SERVICES = [
    "postgres", "mysql", "redis", "memcached", "kafka", "rabbitmq", "zookeeper",
    "etcd", "consul", "vault", "dns", "cdn", "edge-proxy", "k8s", "opensearch",
    "object-storage", "smtp-relay", "nat-gateway", "service-mesh", "ci-runners",
]
SERVICE_DOMAINS = [
    "checkout", "payments", "ledger", "billing", "invoice", "refunds", "fraud",
    "risk", "auth", "identity", "session", "user", "merchant", "onboarding",
    "kyc", "notification", "email", "sms", "webhook", "search", "catalog",
    "pricing", "reporting", "analytics", "settlement", "payout", "card",
    "wallet", "fx", "tax", "audit", "export", "scheduler", "config",
    "feature-flag", "dashboard", "statement", "dispute", "subscription", "loyalty",
]
SERVICE_KINDS = ["api", "worker", "db", "cache", "consumer", "service", "gateway", "cron"]

PEOPLE = [
    "Aisha Bello", "Carlos Mendes", "Dana Li", "Fatima Zahra", "Ines Duarte",
    "Jonas Berg", "Kwame Mensah", "Mei Tanaka", "Oliver Hart", "Priya Raman",
    "Sam Ortiz", "Tomasz Nowak", "Amara Okafor", "Bruno Costa", "Chen Wei",
    "Diego Alvarez", "Elif Demir", "Freya Lund", "Gabriel Silva", "Hana Sato",
    "Ivan Petrov", "Julia Weber", "Kenji Mori", "Laila Haddad", "Marco Rossi",
    "Nadia Karimi", "Omar Farouk", "Paula Novak", "Quinn Murphy", "Rosa Lopez",
    "Sven Olsen", "Tariq Aziz", "Uma Iyer", "Victor Dubois", "Wen Zhao",
    "Ximena Cruz", "Yusuf Kaya", "Zoe Adams", "Lena Fischer", "Arjun Mehta",
]
TEAMS = [
    "team-payments", "team-ledger", "team-platform", "team-data", "team-identity",
    "team-edge", "team-search", "team-mobile", "team-web", "team-risk",
    "team-billing", "team-sre", "team-security", "team-merchant", "team-infra",
]
TICKET_KEYS = ["PAY", "LED", "PLAT", "DATA", "IDN", "EDGE", "SRCH", "MOB", "WEB",
               "RISK", "BILL", "SRE", "SEC", "MER", "INFRA"]

COMPONENTS = [
    "database", "primary database", "read replica", "connection pool", "cache",
    "message queue", "consumer group", "load balancer", "DNS resolver",
    "certificate", "node pool", "disk", "thread pool", "rate limiter",
    "feature flag", "schema migration", "batch job", "cron job", "API gateway",
    "service mesh", "object store", "search cluster", "session store",
    "job scheduler", "webhook dispatcher", "secrets store", "CDN",
]
METRICS = [
    "error rate", "p99 latency", "queue depth", "consumer lag", "CPU usage",
    "memory usage", "disk usage", "connection count", "request rate",
    "retry rate", "cache hit ratio", "replication lag", "GC pause time",
    "open file descriptors", "timeout rate", "checkout conversion",
]
TRIGGERS = [
    "a configuration change", "connection pool exhaustion", "a certificate expiry",
    "a schema migration", "a node pool upgrade", "a DNS resolver change",
    "a cache stampede", "a retry storm", "disk exhaustion", "a runaway batch job",
    "a leader election loop", "a memory leak", "clock skew between hosts",
    "an expired API token", "a feature flag rollout", "a kernel upgrade",
    "a health check change", "a third-party provider outage", "replication lag",
    "a consumer rebalance loop", "an index rebuild", "a noisy neighbour",
    "a misrouted deploy", "a quota limit", "a cold cache after failover",
    "a slow query plan change", "log volume growth", "a TLS library upgrade",
    "an autoscaling misconfiguration", "a network partition",
]
SYMPTOMS = [
    "returned 503s", "timed out", "served stale data", "dropped requests",
    "double-charged a small number of customers", "rejected valid logins",
    "delayed notifications", "stopped processing events", "returned 500s",
    "slowed down", "lost scheduled jobs", "failed health checks",
    "sent duplicate webhooks", "showed wrong balances", "rejected card payments",
]
EVENTS = [
    "the morning peak", "a regional failover", "a routine deploy",
    "the monthly billing run", "a marketing campaign", "a database maintenance window",
    "a traffic spike", "the end-of-day settlement", "a cluster upgrade",
    "a data centre network incident", "the Black Friday peak", "a load test",
]
WORDS = [
    "idempotency", "backpressure", "quorum", "jitter", "heartbeat", "failover",
    "throttling", "sharding", "partition", "checksum", "tombstone", "vacuum",
    "deadlock", "lock contention", "hot partition", "thundering herd",
    "circuit breaker", "bulkhead", "canary", "blue-green deploy", "runbook",
    "dashboard", "pager", "escalation", "incident commander", "status page",
    "synthetic probe", "health check", "readiness probe", "liveness probe",
    "eviction", "OOM kill", "garbage collection", "file descriptor", "socket",
    "keepalive", "handshake", "cipher suite", "OCSP stapling", "resolver cache",
    "TTL", "split brain", "write amplification", "compaction", "snapshot",
    "WAL", "binlog", "offset commit", "dead letter queue", "poison message",
    "exponential backoff", "retry budget", "token bucket", "connection reuse",
    "prepared statement", "query planner", "index scan", "sequential scan",
    "autovacuum", "replication slot", "hot standby", "read-after-write",
    "eventual consistency", "clock drift", "NTP", "leap second", "cron expression",
    "time zone", "daylight saving", "rate limit", "quota", "burst capacity",
    "cold start", "warm-up", "feature toggle", "kill switch", "dark launch",
    "config drift", "secret rotation", "certificate chain", "intermediate CA",
    "pod disruption budget", "node drain", "taint", "affinity rule",
    "horizontal autoscaler", "request hedging", "load shedding", "graceful degradation",
]

# Sentence templates per section. Slots: {svc} {svc2} {comp} {comp2} {metric}
# {metric2} {trigger} {event} {word} {word2} {team} {n} {m} {pct} {min} {min2}
SUMMARY = [
    "During {event}, {svc} {symptom} for {min} minutes after {trigger}.",
    "{Trigger} left {svc} unable to reach its {comp}, and {pct}% of requests failed.",
    "Requests to {svc} {symptom} while the {comp} recovered from {trigger}.",
    "A change to the {comp} interacted badly with {word} in {svc2}; users saw errors for {min} minutes.",
    "The {metric} of {svc} rose sharply during {event} and customers noticed before our alerts did.",
]
IMPACT = [
    "{pct}% of requests to {svc} failed between the first error and mitigation.",
    "About {n},{m:03d} customers saw errors or slow pages for {min} minutes.",
    "{n} merchants reported delayed confirmations; none lost money.",
    "The {metric} of {svc2} stayed above its objective for {min2} minutes.",
    "Roughly {n}00 support tickets were opened during the incident.",
    "No data was lost; {n},{m:03d} events were processed twice and later reconciled.",
    "Internal dashboards for {team} were unavailable for {min} minutes.",
    "The error budget of {svc} for the quarter was {pct}% spent in one afternoon.",
]
TIMELINE_TEXT = [
    "{svc} deploy {n}{m} starts rolling out.",
    "The {metric} of {svc} starts to climb.",
    "Alert on {metric} pages the {team} on-call.",
    "First customer report reaches support.",
    "On-call sees {word} errors in the {comp} logs.",
    "Incident declared; {team} joins the call.",
    "Rollback of {svc} begins.",
    "Traffic to {svc2} is shifted to the standby region.",
    "The {comp} is restarted with the previous configuration.",
    "{Metric} back to normal; user impact ends.",
    "Backlog drained; incident closed.",
    "Feature flag for {word} turned off for all users.",
]
FACTORS = [
    "**{Word}.** The {comp} of {svc} had no limit on {word2}, so {trigger} spread to every caller.",
    "**Alert thresholds.** The alert on {metric} fired only after {min} minutes above its threshold.",
    "**Shared {comp}.** {svc} and {svc2} share one {comp}; load from one starved the other.",
    "**Staging differs from production.** The change was tested with a {comp} {n} times smaller than production.",
    "**Retries.** Clients retried without jitter, multiplying the load on {svc} by {n} during recovery.",
    "**Ownership.** The {comp} is owned by {team}, and its dashboards were not linked from the {svc} runbook.",
    "**Hidden dependency.** {svc} calls {svc2} on every request, which nobody on the call knew.",
    "**Capacity.** The {comp} ran at {pct}% of its capacity on a normal day, leaving little headroom for {event}.",
    "**Configuration drift.** The {comp} settings in two regions had diverged over months of manual changes.",
    "**Deploy process.** The canary stage lasted {min} minutes, shorter than the time {trigger} needed to show.",
]
RESOLUTION = [
    "Rolling back {svc} restored normal {metric} within {min} minutes.",
    "The team raised the {comp} limit and restarted the affected pods, which ended the user impact.",
    "Failing over to the standby {comp} stopped the errors; the root problem was fixed the next day.",
    "Turning off the feature flag for {word} mitigated the incident; a fix shipped {n} days later.",
    "The backlog drained once {svc2} was scaled out to {n} replicas.",
    "We rotated the expired credentials and added {word} to the deploy checklist.",
]
WENT_WELL = [
    "The {svc} runbook had a working rollback command.",
    "Synthetic probes on {svc2} caught the problem within minutes.",
    "The {team} on-call joined quickly and knew the {comp} well.",
    "The status page was updated within {min} minutes of the first alert.",
    "{Word} meant no data was lost.",
]
SLOWED = [
    "Dashboards for the {comp} were owned by another team and hard to find.",
    "The alert on {metric} did not say which service was affected.",
    "Logs from {svc} were sampled, so the first errors were missing.",
    "Two changes went out at the same time, so the rollback target was unclear.",
    "The on-call engineer had no access to the {comp} console.",
]
KNOW_NOW = [
    "{Metric} is a better signal for {svc} than {metric2}.",
    "{Trigger} can take {min} minutes to show, longer than our canary stage.",
    "The {comp} is a shared dependency of at least {n} services.",
    "{Word} and {word2} interact: tuning one changes the other.",
]
ACTION_TEXT = [
    "Alert on {metric} of {svc} above its objective for 5 minutes",
    "Add a load test of {svc} with production-like {comp} latency",
    "Document how to recover from {trigger} in the {svc} runbook",
    "Set a limit on {word} in the {comp} configuration",
    "Add jitter and a retry budget to {svc2} clients",
    "Link the {comp} dashboards from the {svc} runbook",
    "Move {svc} to its own {comp}",
    "Lengthen the canary stage for {svc} deploys to 30 minutes",
    "Automate {word} for the {comp}",
    "Add a synthetic probe for {svc2}",
]
LINK_SENTENCES = [
    "Like [[{id}]], a change meant to help one service moved load onto a shared component.",
    "This repeats part of [[{id}]]: the same {comp} ran out of headroom.",
    "See also [[{id}]], where {word} played a similar part.",
    "The action items from [[{id}]] made the recovery faster this time.",
]
PATH_LINK_SENTENCE = "An earlier incident, [{title}]({path}), followed the same pattern."

SEVERITIES = [("SEV1", 5), ("SEV2", 20), ("SEV3", 45), ("SEV4", 30)]


# ------------------------------------------------------------------- helpers

def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_list(xs):
    return "[" + ", ".join(toml_str(x) for x in xs) + "]"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:00Z")


def slugify(title, limit=60):
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    if len(s) > limit:
        s = s[:limit].rsplit("-", 1)[0]
    return s


def cap(s):
    return s[:1].upper() + s[1:]


def make_services(rng):
    combos = [f"{d}-{k}" for d in SERVICE_DOMAINS for k in SERVICE_KINDS]
    rng.shuffle(combos)
    return INFRA_SERVICES + sorted(combos[:100])


class Filler:
    """Fills template slots, biased towards the postmortem's own services."""

    def __init__(self, rng, services, all_services, team, trigger, event):
        self.rng = rng
        self.services = services
        self.all_services = all_services
        self.team = team
        self.trigger = trigger
        self.event = event

    def slots(self):
        r = self.rng
        svc = r.choice(self.services)
        svc2 = r.choice(self.services if r.random() < 0.6 else self.all_services)
        word, word2 = r.sample(WORDS, 2)
        metric, metric2 = r.sample(METRICS, 2)
        comp, comp2 = r.sample(COMPONENTS, 2)
        trigger = self.trigger if r.random() < 0.7 else r.choice(TRIGGERS)
        d = dict(svc=svc, svc2=svc2, comp=comp, comp2=comp2, metric=metric,
                 metric2=metric2, trigger=trigger, event=self.event, word=word,
                 word2=word2, team=self.team if r.random() < 0.7 else r.choice(TEAMS),
                 n=r.randint(2, 48), m=r.randint(0, 999), pct=r.randint(3, 97),
                 min=r.randint(4, 90), min2=r.randint(10, 240),
                 symptom=r.choice(SYMPTOMS))
        for k in ("trigger", "word", "metric", "team"):
            d[k.capitalize()] = cap(d[k])
        return d

    def fill(self, template, **extra):
        d = self.slots()
        d.update(extra)
        return template.format(**d)

    def pick(self, pool, k):
        return [self.fill(t) for t in self.rng.sample(pool, min(k, len(pool)))]


def wrap(text, width=78):
    """Wraps a paragraph like a person would in an editor."""
    out, line = [], ""
    for w in text.split(" "):
        if line and len(line) + 1 + len(w) > width:
            out.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    if line:
        out.append(line)
    return "\n".join(out)


def bullets(items, width=76):
    return "\n".join("- " + wrap(i, width).replace("\n", "\n  ") for i in items)


# ------------------------------------------------------------------ generate

SITE_TOML = """\
# Synthetic archive written by scripts/benchdata/gen_archive.py for scripts/bench.
# N = {n}, seed = {seed}. Regenerated when the generator changes; do not edit.
title = "Benchmark archive ({n} postmortems)"
base_url = "/"
description = "A synthetic archive of blameless postmortems for benchmarking casebook against Hugo."
language = "en"
source = "content"
output = "public"
theme = "default"
timezone = "UTC"
taxonomies = ["tags", "services", "severity"]
ticket_url = "https://tickets.example.com/browse/{{ticket}}"

[[severity]]
name = "SEV1"
label = "Critical"
color = "#b91c1c"
description = "Payments could not be taken for many customers."

[[severity]]
name = "SEV2"
label = "Major"
color = "#c2410c"
description = "A customer-facing feature was broken or badly degraded."

[[severity]]
name = "SEV3"
label = "Minor"
color = "#854d0e"
description = "Limited customer impact."

[[severity]]
name = "SEV4"
label = "Low"
color = "#1d4ed8"
description = "Internal impact only, or a near miss."

[search]
index = ".casebook/index"

[search.synonyms]
db = ["database", "postgres"]
k8s = ["kubernetes"]
"""

START = dt.datetime(2016, 1, 1, tzinfo=dt.timezone.utc)
SPAN_DAYS = 3650  # 2016-01-01 .. 2025-12-28


def generate(out_dir, n, seed):
    rng = random.Random(seed)
    all_services = make_services(random.Random(1))  # fixed, independent of N
    sev_names = [s for s, _ in SEVERITIES]
    sev_weights = [w for _, w in SEVERITIES]
    tag_weights = [1.0 / (i + 1) ** 0.6 for i in range(len(TAGS))]
    svc_weights = [1.0 / (i + 1) ** 0.5 for i in range(len(all_services))]
    tag_order = TAGS[:]
    rng.shuffle(tag_order)
    svc_order = all_services[:]
    rng.shuffle(svc_order)

    content = os.path.join(out_dir, "content")
    if os.path.exists(content):
        shutil.rmtree(content)
    os.makedirs(content)
    with open(os.path.join(out_dir, "site.toml"), "w", encoding="utf-8") as f:
        f.write(SITE_TOML.format(n=n, seed=seed))

    by_service = {}  # service -> ids of earlier postmortems, newest last
    docs = []        # (id, title, rel path)
    used_ids = set()
    total_bytes = 0

    for i in range(n):
        day = START + dt.timedelta(days=(i * SPAN_DAYS) // n)
        started = day + dt.timedelta(minutes=rng.randint(0, 24 * 60 - 1))
        severity = rng.choices(sev_names, sev_weights)[0]
        services = []
        while len(services) < rng.choice([1, 1, 2, 2, 2, 3]):
            s = rng.choices(svc_order, svc_weights)[0]
            if s not in services:
                services.append(s)
        tags = []
        k_tags = rng.randint(1, 4)
        while len(tags) < k_tags:
            t = rng.choices(tag_order, tag_weights)[0]
            if t not in tags:
                tags.append(t)
        team = rng.choice(TEAMS)
        trigger = rng.choice(TRIGGERS)
        event = rng.choice(EVENTS)
        fill = Filler(rng, services, all_services, team, trigger, event)

        form = rng.randrange(4)
        if form == 0:
            title = f"{services[0]} {rng.choice(SYMPTOMS)} after {trigger}"
        elif form == 1:
            title = f"{cap(rng.choice(METRICS))} of {services[0]} rose during {event}"
        elif form == 2:
            title = f"Partial {services[0]} outage caused by {trigger}"
        else:
            title = f"{cap(trigger)} degraded {services[0]}"
        base = f"{started:%Y-%m-%d}-{slugify(title)}"
        pid, k = base, 2
        while pid in used_ids:
            pid, k = f"{base}-{k}", k + 1
        used_ids.add(pid)

        # Earlier postmortems that share a service, for related and links.
        candidates = []
        for s in services:
            candidates.extend(by_service.get(s, [])[-8:])
        candidates = sorted(set(candidates))
        related = rng.sample(candidates, min(len(candidates), rng.choice([0, 0, 1, 1, 2])))

        # Incident times.
        impact = started + dt.timedelta(minutes=rng.randint(0, 5))
        detected = started + dt.timedelta(minutes=rng.randint(2, 40))
        report = started + dt.timedelta(minutes=rng.randint(5, 60))
        mitigated = detected + dt.timedelta(minutes=rng.randint(10, 180))
        resolved = mitigated + dt.timedelta(minutes=rng.randint(0, 600))
        written = (resolved + dt.timedelta(days=rng.randint(2, 10))).date()

        fm = [
            "+++",
            f"title = {toml_str(cap(title))}",
            f"id = {toml_str(pid)}",
            f"date = {written.isoformat()}",
            f"severity = {toml_str(severity)}",
            'status = "final"',
            f"summary = {toml_str(' '.join(fill.pick(SUMMARY, 2)))}",
            f"tags = {toml_list(tags)}",
            f"services = {toml_list(services)}",
            f"authors = {toml_list(rng.sample(PEOPLE, rng.randint(1, 2)))}",
            f"facilitator = {toml_str(rng.choice(PEOPLE))}",
            f"contact = {toml_str(team)}",
            f"related = {toml_list(related)}",
            "",
            "[incident]",
            f"started = {iso(started)}",
            f"detected = {iso(detected)}",
            f"first_user_impact = {iso(impact)}",
        ]
        if rng.random() < 0.7:
            fm.append(f"first_user_report = {iso(report)}")
        fm += [f"mitigated = {iso(mitigated)}", f"resolved = {iso(resolved)}"]

        k_tl = rng.randint(3, 6)
        span = int((resolved - started).total_seconds() // 60)
        offsets = sorted(rng.sample(range(0, span + 1), min(k_tl, span + 1)))
        # Events keep the template list's order: alert before rollback.
        texts = [TIMELINE_TEXT[j] for j in sorted(rng.sample(range(len(TIMELINE_TEXT)), len(offsets)))]
        for off, t in zip(offsets, texts):
            fm += ["", "[[timeline]]",
                   f"at = {iso(started + dt.timedelta(minutes=off))}",
                   f"text = {toml_str(fill.fill(t))}"]

        for t in rng.sample(ACTION_TEXT, rng.randint(1, 4)):
            due = written + dt.timedelta(days=rng.randint(14, 120))
            status = "done" if due.year < 2025 or rng.random() < 0.5 else "open"
            if rng.random() < 0.05:
                status = "wontfix"
            fm += ["", "[[actions]]",
                   f"text = {toml_str(fill.fill(t))}",
                   f"owner = {toml_str(rng.choice(TEAMS + PEOPLE[:12]))}",
                   f"due = {due.isoformat()}",
                   f"ticket = {toml_str(rng.choice(TICKET_KEYS) + '-' + str(rng.randint(100, 9999)))}",
                   f'status = "{status}"']
        fm.append("+++")

        # Body.
        factors = fill.pick(FACTORS, rng.randint(2, 4))
        body = [
            "## Summary", "",
            wrap(" ".join(fill.pick(SUMMARY, 2) + fill.pick(RESOLUTION, 1))), "",
            "## Impact", "",
            bullets(fill.pick(IMPACT, rng.randint(3, 5))), "",
            "## Timeline", "",
            wrap(f"See the front matter timeline: "
                 f"{int((detected - started).total_seconds() // 60)} minutes to detect, "
                 f"{int((mitigated - started).total_seconds() // 60)} minutes to mitigate. "
                 + fill.fill("The first signal was the {metric} of {svc}.")), "",
            "## Contributing factors", "",
            wrap(fill.fill("{Trigger} during {event} met a {comp} with little headroom.")
                 + " " + " ".join(fill.pick(KNOW_NOW, 1))), "",
            bullets(factors), "",
        ]
        links = []
        if candidates and rng.random() < 0.4:
            links.append(fill.fill(rng.choice(LINK_SENTENCES), id=rng.choice(candidates)))
        if docs and rng.random() < 0.1:
            oid, otitle, opath = docs[rng.randrange(max(0, len(docs) - 200), len(docs))]
            links.append(PATH_LINK_SENTENCE.format(title=otitle, path="../" + opath))
        if links:
            body += [wrap(" ".join(links)), ""]
        body += [
            "## Resolution", "",
            wrap(" ".join(fill.pick(RESOLUTION, rng.randint(2, 3)))), "",
            "## Lessons learned", "",
            "### What went well", "", bullets(fill.pick(WENT_WELL, rng.randint(2, 3))), "",
            "### What slowed us down", "", bullets(fill.pick(SLOWED, rng.randint(2, 3))), "",
            "### What we know now", "", bullets(fill.pick(KNOW_NOW, 2)), "",
            "## Action items", "",
            wrap("Listed in the front matter. "
                 + fill.fill("The {team} review checks their progress every two weeks.")),
            "",
        ]

        year = f"{started:%Y}"
        rel = f"{year}/{pid}.md"
        path = os.path.join(content, year)
        os.makedirs(path, exist_ok=True)
        text = "\n".join(fm) + "\n\n" + "\n".join(body)
        with open(os.path.join(content, rel), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        total_bytes += len(text.encode("utf-8"))

        for s in services:
            by_service.setdefault(s, []).append(pid)
        docs.append((pid, cap(title), rel))

    return total_bytes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=20260101)
    a = ap.parse_args()
    if a.n < 1:
        ap.error("N must be at least 1")
    total = generate(a.out_dir, a.n, a.seed)
    print(f"gen_archive: {a.n} postmortems, {total / a.n / 1024:.1f} KB each on average, "
          f"in {a.out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
