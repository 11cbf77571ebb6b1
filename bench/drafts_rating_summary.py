"""Issue 16's quality figures from the reading: joins the blind ratings back to writers and checks and writes
bench/results/drafts_rating.txt.

    python bench/drafts_rating_summary.py

Inputs: bench/results/drafts_rating.csv (rid, rating, flags, note, rater, second: 1 for a second reader's rating of
a row another reader owns), drafts_rating_key.csv (rid -> candidate id) and drafts_rating_candidates.csv (writer, shop,
channel, all_checks_pass). Per writer x source (demo / other shops) x channel: n, mean, % rated >= 4, count rated 1,
% with an invented fact; how many rated <= 2 still passed every check (a passing draft is what the app shows); the
agreement of the two readers on the rows both read. Targets (shipped writer): >= 70% rated >= 4, 0 rated 1, <= 5%
invented fact.

Rounds 2 and 3 (drafts_rating_r2.csv, _r3.csv): after each set of fixes to the template writer, every template
candidate whose text changed (drafts_rating_candidates_rN.csv, same requests and seed) was read again, blind, beside
unchanged ones as anchors (their two readings show the readers' drift); the shipped writer's figures then take the
latest reading of each candidate. "template + model" (Qwen phrases) was read once, on the round-2 templates.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
FLAGS = ["invented_fact", "nonsense_sentence", "tone", "contradiction"]


def _with_supplement(first, second, key, cands):
    """Round 1 plus its supplement: the old model writer merged identical candidates on two demo SMS requests (58
    demo texts, not 60), so a later run (seed 1, `bench/drafts_rating.py --only demo/sms`) gave one more distinct
    candidate for each (drafts_rating_candidates_supplement.csv). They were read blind beside six round-1 candidates,
    whose readings count as second readings (agreement)."""
    path = RESULTS / "drafts_rating_s.csv"
    if not path.exists():
        return first, second, key, cands
    s = pd.read_csv(path).merge(pd.read_csv(RESULTS / "drafts_rating_key_s.csv"), on="rid")
    sup = pd.read_csv(RESULTS / "drafts_rating_candidates_supplement.csv")
    new = s[s["id"].isin(sup["id"])]
    again = s[~s["id"].isin(sup["id"])].drop(columns="rid").merge(key, on="id").assign(second=1)
    cols = list(first.columns)
    return (pd.concat([first, new.assign(second=0)[cols]]), pd.concat([second, again[cols]]),
            pd.concat([key, new[["rid", "id"]]]), pd.concat([cands, sup]))


def load() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(first readings joined to candidates, second readings of the doubly-read rows)."""
    r = pd.read_csv(RESULTS / "drafts_rating.csv")
    key = pd.read_csv(RESULTS / "drafts_rating_key.csv")
    cands = pd.read_csv(RESULTS / "drafts_rating_candidates.csv")
    first, second = r[r["second"] == 0], r[r["second"] == 1]
    first, second, key, cands = _with_supplement(first, second, key, cands)
    missing = set(key["rid"]) - set(first["rid"])
    if missing:
        sys.exit(f"{len(missing)} candidates not rated yet, e.g. {sorted(missing)[:5]}")
    df = first.merge(key, on="rid").merge(cands, on="id", validate="one_to_one")
    df["source"] = df["shop"].where(df["shop"] == "demo", "other shops")
    df["shown"] = df["all_checks_pass"].astype(str).eq("True")
    return df, second


def table(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    g = df.groupby(by)
    out = pd.DataFrame({"n": g.size(), "mean": g["rating"].mean().round(2),
                        "pct_ge4": (g["rating"].apply(lambda s: (s >= 4).mean()) * 100).round(1),
                        "rated_1": g["rating"].apply(lambda s: int((s == 1).sum())),
                        "pct_invented": (g["invented_fact"].mean() * 100).round(1),
                        "pct_nonsense": (g["nonsense_sentence"].mean() * 100).round(1),
                        "pct_pass_checks": (g["shown"].mean() * 100).round(1),
                        "le2_passing": g.apply(lambda x: int(((x["rating"] <= 2) & x["shown"]).sum()),
                                               include_groups=False)})
    return out


def agreement(df: pd.DataFrame, second: pd.DataFrame) -> str:
    both = df[["rid", "rating"]].merge(second[["rid", "rating"]], on="rid", suffixes=("_a", "_b"))
    if both.empty:
        return "no row read twice"
    a, b = both["rating_a"], both["rating_b"]
    from sklearn.metrics import cohen_kappa_score

    kappa = cohen_kappa_score(a, b, weights="quadratic")
    return (f"{len(both)} rows read by two readers: same rating {(a == b).mean():.0%}, within one point "
            f"{((a - b).abs() <= 1).mean():.0%}, same side of the >=4 line {((a >= 4) == (b >= 4)).mean():.0%}, "
            f"quadratic-weighted kappa {kappa:.2f}")


def reread(prev: pd.DataFrame, tag: str, n: int) -> tuple[list[str], pd.DataFrame | None]:
    """Round `tag` of the shipped (template) writer: `prev` (one row per candidate id: its text and reading) updated
    with the readings of the candidates whose text changed in drafts_rating_candidates_TAG.csv; the anchors (unchanged
    candidates read again) measure the readers' drift. None when the round was not read."""
    path = RESULTS / f"drafts_rating_{tag}.csv"
    if not path.exists():
        return [], None
    r = pd.read_csv(path).merge(pd.read_csv(RESULTS / f"drafts_rating_key_{tag}.csv"), on="rid")
    old = prev.set_index("id")
    cur = pd.read_csv(RESULTS / f"drafts_rating_candidates_{tag}.csv").set_index("id").loc[old.index]
    changed = (cur["body"].fillna("") != old["body"].fillna("")) | (cur["subject"].fillna("") != old["subject"].fillna(""))
    missing = set(old.index[changed]) - set(r["id"])
    if missing:
        sys.exit(f"round {n}: {len(missing)} changed candidates not read again, e.g. {sorted(missing)[:3]}")
    anchors = r[r["id"].isin(old.index[~changed])].merge(old[["rating"]], left_on="id", right_index=True,
                                                         suffixes=("_new", "_old"))
    now = old.copy()
    again = r.set_index("id").loc[old.index[changed]]
    for c in ["rating", *FLAGS]:
        now.loc[again.index, c] = again[c]
    now["shown"] = cur["all_checks_pass"].astype(str).eq("True")
    now[["subject", "body"]] = cur[["subject", "body"]]  # the texts these readings are of
    now = now.reset_index()
    d = anchors["rating_new"] - anchors["rating_old"]
    return ["", f"== round {n}: template writer after the fixes ({int(changed.sum())} changed candidates read again) ==",
            table(now, ["source"]).to_string(), "", table(now, ["source", "channel"]).to_string(), "",
            table(now.assign(writer="template"), ["writer"]).to_string(), "",
            f"anchors: {len(anchors)} unchanged candidates read again: same rating {(d == 0).mean():.0%}, "
            f"mean change {d.mean():+.2f} (round {n} minus the reading before)"], now


ROUNDS = ("r2", "r3", "r4")  # re-readings of the template writer after each set of fixes, in order


def template_rounds(df: pd.DataFrame) -> tuple[list[list[str]], pd.DataFrame | None, pd.DataFrame]:
    """(the lines of each re-reading round, the readings after round 2, the latest readings per candidate). The Qwen
    candidates were written with the round-2 templates, so their comparison needs round 2's texts."""
    now, lines, after_r2 = df[df["writer"] == "template"], [], None
    for n, tag in enumerate(ROUNDS, 2):
        text, nxt = reread(now, tag, n)
        if nxt is None:
            break
        lines.append(text)
        now = nxt
        after_r2 = nxt if n == 2 else after_r2
    return lines, after_r2, now


def qwen_round(template_now: pd.DataFrame | None) -> list[str]:
    """"template + model" (Qwen2.5 proposes subject lines and openings): its candidates whose text differs from the
    template writer's on the same request were read blind (drafts_rating_q.csv); the others are the same text as a
    round-2 template candidate and carry that reading."""
    path = RESULTS / "drafts_rating_q.csv"
    if template_now is None or not path.exists():
        return []
    rq = pd.read_csv(path).merge(pd.read_csv(RESULTS / "drafts_rating_key_q.csv"), on="rid")
    q = pd.read_csv(RESULTS / "drafts_rating_candidates_qwen.csv")
    q["tid"] = q["id"].str.replace("template+model-", "template-", regex=False)
    t = template_now.set_index("id")
    same = q["body"].fillna("").eq(t.loc[q["tid"], "body"].fillna("").to_numpy()) & \
        q["subject"].fillna("").eq(t.loc[q["tid"], "subject"].fillna("").to_numpy())
    missing = set(q.loc[~same, "id"]) - set(rq["id"])
    if missing:
        sys.exit(f"qwen round: {len(missing)} candidates not read, e.g. {sorted(missing)[:3]}")
    read = rq.set_index("id")
    rows = []
    for _, c in q.iterrows():
        src = t.loc[c["tid"]] if same[_] else read.loc[c["id"]]
        rows.append({"id": c["id"], "channel": c["channel"], "rating": src["rating"],
                     **{f: src[f] for f in FLAGS}, "shown": str(c["all_checks_pass"]) == "True",
                     "source": "demo" if c["shop"] == "demo" else "other shops", "writer": "template+model"})
    now = pd.DataFrame(rows)
    tid = q.set_index("id")["tid"]
    anchors = rq[rq["id"].isin(q.loc[same, "id"])].assign(rating_t=lambda x: t.loc[tid[x["id"]], "rating"].to_numpy())
    lines = ["", f"== template + model (Qwen2.5-Coder-1.5B phrases; {int((~same).sum())} of {len(q)} candidates "
                 "differ from the template writer's and were read blind) ==",
             table(now, ["source"]).to_string(), "", table(now, ["source", "channel"]).to_string(), "",
             table(now, ["writer"]).to_string()]
    if len(anchors):
        dd = anchors["rating"] - anchors["rating_t"]
        lines.append(f"anchors: {len(anchors)} candidates identical to template ones, read again: same rating "
                     f"{(dd == 0).mean():.0%}, mean change {dd.mean():+.2f}")
    return lines


def main() -> None:
    df, second = load()
    pd.set_option("display.width", 200)
    parts = ["Issue 16 rating by reading (blind: readers saw facts, subject and body only; 1-5 rubric)",
             f"candidates: {len(df)}; writers: template = shipped default, model = old SmolLM2 fine-tune",
             "", "== writer x source ==", table(df, ["writer", "source"]).to_string(),
             "", "== writer x source x channel ==", table(df, ["writer", "source", "channel"]).to_string(),
             "", "== writer (all) ==", table(df, ["writer"]).to_string(),
             "", "le2_passing: candidates rated <= 2 that passed every check (what the app would show)",
             "", "agreement: " + agreement(df, second)]
    rounds, after_r2, _ = template_rounds(df)
    for n, text in enumerate(rounds):
        parts += text + (qwen_round(after_r2) if n == 0 else [])
    text = "\n".join(parts) + "\n"
    (RESULTS / "drafts_rating.txt").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
