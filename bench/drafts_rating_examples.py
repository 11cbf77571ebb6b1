"""Eight drafts as a marketer sees them, with their blind reading (issue 16's closing note): for the shipped
template writer its best, a typical and its worst candidate (latest reading), for "template + model" a typical and its
worst, for the old SmolLM2 writer a typical and its worst, plus its best. Writes bench/results/drafts_rating_examples.md.

    python bench/drafts_rating_examples.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drafts_rating_summary import RESULTS, ROUNDS, load, template_rounds  # noqa: E402


def pick(df: pd.DataFrame, rating: int, worst: bool = False, channel: str | None = None) -> pd.Series:
    """The first candidate (by id) with this rating; `worst`: the lowest rated one."""
    d = df if channel is None else df[df["channel"] == channel]
    return d.sort_values(["rating", "id"]).iloc[0] if worst else d[d["rating"] == rating].sort_values("id").iloc[0]


def block(title: str, r: pd.Series) -> str:
    note = r.get("note") if isinstance(r.get("note"), str) else ""
    head = f"### {title}: rated {int(r['rating'])}" + (f" ({note})" if note else "")
    subject = f"Subject: {r['subject']}\n" if isinstance(r["subject"], str) and r["subject"] else ""
    return f"{head}\n{r['id']} · {r['shop']} · {r['channel']}\n\n```\n{subject}{r['body']}\n```\n"


def main() -> None:
    df, _ = load()
    _, _, now = template_rounds(df)
    now = now.drop(columns="note").merge(df[["id", "note"]], on="id")
    for tag in ROUNDS:  # the note of the latest reading of each candidate
        if (RESULTS / f"drafts_rating_{tag}.csv").exists():
            n = pd.read_csv(RESULTS / f"drafts_rating_{tag}.csv").merge(
                pd.read_csv(RESULTS / f"drafts_rating_key_{tag}.csv"))
            now = now.merge(n[["id", "note"]].rename(columns={"note": "later"}), on="id", how="left")
            now["note"] = now.pop("later").fillna(now["note"])
    q = pd.read_csv(RESULTS / "drafts_rating_q.csv").merge(pd.read_csv(RESULTS / "drafts_rating_key_q.csv"))
    q = q.merge(pd.read_csv(RESULTS / "drafts_rating_candidates_qwen.csv"), on="id")
    model = df[df["writer"] == "model"]
    parts = ["# Eight drafts as shown, with their blind reading", "",
             "Figures: bench/results/drafts_rating.txt. Template texts are the latest round's.", "",
             block("template, best", pick(now, 5, channel="email")),
             block("template, typical", pick(now, 4, channel="sms")),
             block("template, worst", pick(now, 0, worst=True)),
             block("template + model, typical", pick(q[q["channel"] == "email"], 4)),
             block("template + model, worst", pick(q, 0, worst=True)),
             block("model (old SmolLM2), best", model.sort_values(["rating", "id"], ascending=[False, True]).iloc[0]),
             block("model (old SmolLM2), typical", pick(model[model["shown"]], 2)),
             block("model (old SmolLM2), worst", pick(model[model["shown"]], 1, channel="reply"))]
    (RESULTS / "drafts_rating_examples.md").write_text("\n".join(parts), encoding="utf-8")
    print("\n".join(parts))


if __name__ == "__main__":
    main()
