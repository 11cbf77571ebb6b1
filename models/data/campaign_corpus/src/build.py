"""Merge src/facts.jsonl with the hand-written outputs in src/drafts/*.txt into ../examples.jsonl.

Draft format (one block per example):
    === c0001
    subject: ...        (email headline / ad headline; omitted for sms and reply)
    preheader: ...      (email only)
    cta: ...            (email and ad)
    body:
    everything after this line, up to the next '===', is the body (blank lines kept as paragraph breaks)
"""

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "examples.jsonl"


def parse_drafts():
    outs = {}
    for p in sorted((HERE / "drafts").glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        for block in re.split(r"^=== ", text, flags=re.M)[1:]:
            head, _, rest = block.partition("\n")
            eid = head.strip()
            fields = {"subject": None, "preheader": None, "body": None, "cta": None}
            lines = rest.split("\n")
            for k, line in enumerate(lines):
                m = re.match(r"^(subject|preheader|cta):\s?(.*)$", line)
                if m:
                    fields[m.group(1)] = m.group(2).strip()
                    continue
                if line.strip() == "body:":
                    fields["body"] = "\n".join(lines[k + 1 :]).strip()
                    break
            if eid in outs:
                sys.exit(f"duplicate draft for {eid} in {p.name}")
            outs[eid] = fields
    return outs


def main():
    facts = [json.loads(line) for line in open(HERE / "facts.jsonl", encoding="utf-8")]
    outs = parse_drafts()
    known = {r["id"] for r in facts}
    unknown = set(outs) - known
    if unknown:
        sys.exit(f"drafts for unknown ids: {sorted(unknown)}")
    n = 0
    with open(OUT, "w", encoding="utf-8") as f:
        for r in facts:
            if r["id"] in outs:
                f.write(
                    json.dumps(
                        {"id": r["id"], "split": r["split"], "facts": r["facts"], "output": outs[r["id"]]},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                n += 1
    print(f"wrote {n} examples to {OUT.name}; {len(facts) - n} facts records still without output")


if __name__ == "__main__":
    main()
