// Built-in synonyms and their merge with [search.synonyms]: see synonyms.h.
#include "search/synonyms.h"

#include <algorithm>
#include <set>

#include "util/text.h"

namespace casebook::search {

const std::vector<std::vector<std::string>>& BuiltinSynonymGroups() {
  // Words an engineer searches for and a report uses in their place, taken
  // from real postmortems. Single words expand to each other; a multi-word
  // entry ("out of memory") works as a query for the others, not back.
  static const std::vector<std::vector<std::string>> groups = {
      {"outage", "downtime", "unavailable", "unavailability", "disruption"},
      {"breach", "compromise", "compromised", "intrusion"},
      {"db", "database"},
      {"pg", "postgres", "postgresql"},
      {"k8s", "kubernetes"},
      {"cert", "certificate"},
      {"certs", "certificates"},
      {"config", "configuration"},
      {"misconfig", "misconfiguration", "misconfigured"},
      {"deploy", "deployment", "release", "rollout"},
      {"rollback", "revert", "reverted"},
      {"oom", "oomkilled", "out of memory"},
      {"expiry", "expiration", "expired"},
      {"auth", "authentication"},
      {"login", "signin", "sign in"},
      {"latency", "slowness"},
      {"failover", "switchover"},
      {"prod", "production"},
      {"env", "environment"},
      {"infra", "infrastructure"},
      {"repo", "repository"},
      {"ddos", "denial of service"},
      {"crashloop", "crashloopbackoff", "crashlooping"},
      {"vuln", "vulnerability"},
  };
  return groups;
}

const SynonymMap& BuiltinBroaderTerms() {
  // A broad word finds each narrower one and each narrower one finds the
  // broad word, but not its siblings: "503" does not find "502".
  static const SynonymMap broader = {
      {"5xx", {"500", "502", "503", "504"}},
      {"4xx", {"400", "401", "403", "404", "429"}},
      {"load balancer", {"lb", "alb", "elb", "nlb", "loadbalancer"}},
  };
  return broader;
}

SynonymMap MergeSynonyms(const SynonymMap& configured) {
  std::set<std::string> removed;
  for (const auto& [word, list] : configured)
    if (list.empty()) removed.insert(util::ToLowerAscii(std::string(util::Trim(word))));
  std::map<std::string, std::set<std::string>> merged;
  for (const auto& group : BuiltinSynonymGroups()) {
    for (const auto& w : group) {
      if (removed.count(w)) continue;
      for (const auto& other : group)
        if (other != w && !removed.count(other)) merged[w].insert(other);
    }
  }
  for (const auto& [word, list] : BuiltinBroaderTerms()) {
    if (removed.count(word)) continue;
    for (const auto& v : list)
      if (!removed.count(v)) merged[word].insert(v);
  }
  for (const auto& [word, list] : configured)
    for (const auto& v : list) merged[word].insert(v);
  SynonymMap out;
  for (auto& [word, set] : merged)
    if (!set.empty()) out[word] = std::vector<std::string>(set.begin(), set.end());
  return out;
}

}  // namespace casebook::search
