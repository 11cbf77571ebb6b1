"""Generation speed: tokens/s and drafts/s, one request (1 candidate) and batched (n candidates in one batch), for
the base and the fine-tuned model in the same run; plus the wall time of one full request for three checked
email candidates. Prints JSON, writes bench/out/generate.json.

    python bench/generate.py [--models base,active] [--tokens 48] [--n 3] [--full-email] [--baseline]

`--baseline` also times, per model and in the same run, exactly `tokens` new tokens per candidate (no stopping) from
transformers' `generate` on the float32 model (the decoding Shoplens used before models.sampling and
models.device.HalfDecodeLinear) against models.sampling.sample with float16 decoding steps, and prints the ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def timed(gen, facts, n, tokens):
    """(seconds, new tokens, candidates) for one generate call of n candidates, tokens each at most."""
    t = time.perf_counter()
    gen.generate([facts], n=n, max_new_tokens=tokens, seed=0)
    return time.perf_counter() - t, gen.last_stats.new_tokens, gen.last_stats.candidates


def fixed_length(gen, facts: dict, n: int, tokens: int, transformers_generate: bool) -> float:
    """Tokens/s for n candidates of exactly `tokens` new tokens each (stopping disabled), one batch."""
    import torch

    from models.device import half_decode
    from models.prompt import answer_prefix, prompt
    from models.sampling import sample

    enc = gen.tok([prompt(facts, gen.tok) + answer_prefix(facts)], return_tensors="pt",
                  add_special_tokens=False).to(gen.model.device)
    torch.manual_seed(0)
    t = time.perf_counter()
    if transformers_generate:
        half_decode(gen.model, on=False)
        with torch.inference_mode():
            gen.model.generate(**enc, do_sample=True, temperature=0.7, top_p=0.9, num_return_sequences=n,
                               max_new_tokens=tokens, min_new_tokens=tokens, pad_token_id=gen.tok.pad_token_id)
    else:
        half_decode(gen.model)
        sample(gen.model, enc["input_ids"], enc["attention_mask"], n, tokens, stop_ids=[])
    return n * tokens / (time.perf_counter() - t)


def main() -> None:
    import torch

    from bench.drafts_eval import model_folder
    from models.generator import Generator
    from models.train_generator import load_corpus

    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="base,active")
    ap.add_argument("--tokens", type=int, default=48)
    ap.add_argument("--n", type=int, default=3)
    ap.add_argument("--full-email", action="store_true", help="also time one full 3-candidate email request")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--baseline", action="store_true", help="also compare with transformers generate in float32")
    a = ap.parse_args()
    email = [r["facts"] for r in load_corpus("test") if r["facts"]["channel"] == "email"][0]
    res = {"threads": torch.get_num_threads(), "tokens_cap": a.tokens, "n": a.n, "models": {}}
    for name in a.models.split(","):
        t = time.perf_counter()
        gen = Generator.from_pretrained(model_folder(name), a.device)
        load = time.perf_counter() - t
        gen.generate([email], n=1, max_new_tokens=2, seed=0)  # warm-up
        s1, k1, c1 = timed(gen, email, 1, a.tokens)
        sb, kb, cb = timed(gen, email, a.n, a.tokens)
        r = {"device": str(gen.model.device), "load_seconds": load,
             "single": {"seconds": s1, "tokens": k1, "tokens_per_s": k1 / s1, "drafts_per_s": c1 / s1},
             f"batched_{a.n}": {"seconds": sb, "tokens": kb, "tokens_per_s": kb / sb, "drafts_per_s": cb / sb}}
        if a.full_email:
            t = time.perf_counter()
            shown = gen.draft(email, n=3, keep_failing=True, seed=1)
            r["three_checked_email_candidates_seconds"] = time.perf_counter() - t
            r["three_checked_email_tokens"] = gen.last_stats.new_tokens
            r["three_checked_email_passing"] = sum(all(d["checks"].values()) for d in shown)
        if a.baseline:
            for k in (1, a.n):
                fixed_length(gen, email, k, 8, False)  # warm-up of both paths
                fixed_length(gen, email, k, 8, True)
                hf = fixed_length(gen, email, k, a.tokens, True)
                ours = fixed_length(gen, email, k, a.tokens, False)
                r[f"fixed_{a.tokens}_tokens_x{k}"] = {"transformers_generate_float32_tokens_per_s": hf,
                                                      "shoplens_sample_tokens_per_s": ours, "ratio": ours / hf}
        res["models"][f"{name} ({gen.model_version})"] = r
        print(json.dumps({name: r}), flush=True)
        del gen
    res["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)  # other work on the machine makes timings noisy
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "generate.json").write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
