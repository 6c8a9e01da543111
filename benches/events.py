#!/usr/bin/env python3
"""Writes a realistic search log as JSON Lines for `helpcenter searchlog import` (the
analytics benchmark, benches/analytics.sh): N searches over D days in en/ja/ko, queries
drawn Zipf-like from phrasings of the sample articles' titles (with typos, case and
spacing variants and a long tail of one-off queries), about 30% clicked, some contacts,
votes and views. Deterministic for a given seed.

usage: events.py SEARCHES [DAYS] [SEED] > events.jsonl
"""
import glob, json, os, random, re, sys, time

n = int(sys.argv[1])
days = int(sys.argv[2]) if len(sys.argv) > 2 else 30
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "articles")

titles = {"en": [], "ja": [], "ko": []}
slugs = {"en": [], "ja": [], "ko": []}
for path in glob.glob(os.path.join(root, "*", "*", "*.md")):
    locale = path.split(os.sep)[-3]
    if locale not in titles:
        continue
    slugs[locale].append(os.path.basename(path)[:-3])
    with open(path, encoding="utf-8") as f:
        m = re.search(r"^title:\s*\"?(.+?)\"?\s*$", f.read(), re.M)
    if m:
        titles[locale].append(m.group(1))

def words(locale):
    out = []
    for t in titles[locale]:
        out.extend(w for w in re.split(r"[\s,.:;!?()「」、。]+", t) if len(w) > 1)
    return out or ["help"]

vocab = {l: words(l) for l in titles}

def typo(q):
    if len(q) < 6:
        return q
    i = rng.randrange(1, len(q) - 1)
    return q[:i] + q[i + 1] + q[i] + q[i + 2:]

def phrasing(locale):
    w = vocab[locale]
    k = rng.choice([1, 2, 2, 3, 3, 4])
    return " ".join(rng.choice(w) for _ in range(k))

# The head: a few thousand phrasings per locale, searched Zipf-like.
head = {l: [phrasing(l) for _ in range(3000)] for l in titles}
weights = [1.0 / (r + 1) ** 1.05 for r in range(3000)]
cum = []
acc = 0.0
for w in weights:
    acc += w
    cum.append(acc)

import bisect
def pick(locale):
    r = rng.random() * acc
    return head[locale][bisect.bisect_left(cum, r)]

end = int(time.time()) - 60
start = end - days * 86400
step = (end - start) / max(n, 1)
out = sys.stdout
write = out.write
for i in range(n):
    at = int(start + i * step)
    locale = rng.choices(["en", "ja", "ko"], [6, 2, 2])[0]
    r = rng.random()
    if r < 0.25:
        q = phrasing(locale)                      # long tail
    else:
        q = pick(locale)
        if r < 0.30:
            q = typo(q)
        elif r < 0.34:
            q = q.upper() if locale == "en" else q + " "
    results = 0 if rng.random() < 0.12 else rng.randint(1, 40)
    visit = "%032x" % rng.getrandbits(128) if rng.random() < 0.6 or i == 0 else last_visit
    last_visit = visit
    # Search ids as helpcenter makes them (and exports them): Unix milliseconds, then 80
    # random bits.
    sid = "%012x%020x" % (at * 1000 + rng.randrange(1000), rng.getrandbits(80))
    source = rng.choices(["page", "typeahead", "api"], [6, 3, 1])[0]
    write(json.dumps({"type": "search", "at": at, "locale": locale, "query": q, "results": results,
                      "visit": visit, "id": sid, "source": source}, ensure_ascii=False) + "\n")
    if results and rng.random() < 0.30:
        slug = rng.choice(slugs[locale])
        write(json.dumps({"type": "click", "at": at + 5, "search_id": sid, "slug": slug,
                          "position": rng.choice([1, 1, 1, 2, 2, 3, 4, 5]), "visit": visit}) + "\n")
        write(json.dumps({"type": "view", "at": at + 5, "locale": locale, "slug": slug, "search_id": sid,
                          "visit": visit}) + "\n")
        if rng.random() < 0.05:
            write(json.dumps({"type": "feedback", "at": at + 60, "locale": locale, "slug": slug,
                              "helpful": rng.random() < 0.7, "search_id": sid, "visit": visit}) + "\n")
    elif rng.random() < 0.02:
        write(json.dumps({"type": "contact", "at": at + 30, "locale": locale, "search_id": sid,
                          "query": q, "visit": visit}) + "\n")
