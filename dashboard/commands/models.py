"""`shoplens train`, `classify`, `score` and `other-shops`: the feedback classifier from the command line."""
from __future__ import annotations

import sys
from pathlib import Path

from dashboard.commands import positive_float, positive_int


def _bar(desc: str):
    """A tqdm bar on stderr driven by progress(done, total, message) callbacks."""
    from tqdm import tqdm

    state = {"bar": None}

    def progress(done: int, total: int, message: str = "") -> None:
        if state["bar"] is None:
            state["bar"] = tqdm(total=total, desc=desc, file=sys.stderr, leave=False)
        state["bar"].total = total
        state["bar"].n = done
        if message:
            state["bar"].set_postfix_str(message)
        state["bar"].refresh()

    return progress


def cmd_train(args) -> dict:
    from models.train import config_defaults, train

    cfg = config_defaults(task=args.task, device=args.device, baselines=args.baselines, mode=args.mode)
    if args.epochs is not None:
        cfg.epochs = args.epochs
    if args.max_minutes is not None:
        cfg.max_minutes = args.max_minutes
    if args.encoder_layers is not None:
        cfg.encoder_layers = args.encoder_layers
    if args.weak_labels is not None:
        cfg.weak_source = args.weak_labels
    if args.no_titles:
        cfg.weak_titles = False
    if args.plain_backbone:
        cfg.tuned_encoder = False
    return train(cfg, progress=_bar(f"train {args.task}"), activate=args.activate)


def cmd_classify(args) -> dict:
    from analysis.errors import ShoplensError
    from models.scoring import ActiveModels, classify_csv

    if not Path(args.file).is_file():  # before the model loads: a typo should not cost a model load to find out
        raise ShoplensError(f"No file at {args.file}", fix="check the path (a CSV with a header row)")
    models = ActiveModels(args.model, device=args.device)
    return classify_csv(args.file, args.text_column, args.out, models, title_column=args.title_column)


def cmd_score(args) -> dict:
    from analysis import store
    from models.scoring import ActiveModels, score_database

    models = ActiveModels(args.model, device=args.device)
    con = store.connect(args.db)
    try:
        return score_database(con, models, who=args.who, progress=_bar("score"), limit=args.limit)
    finally:
        con.close()


def cmd_other_shops(args) -> dict:
    from analysis.errors import ShoplensError
    from models import other_shops, registry, starter

    folder = args.model
    if folder is None:
        starter.ensure_active()  # a fresh home checks the model it would classify with
        act = registry.active("sentiment") or registry.active("topics")
        if act is None:
            raise ShoplensError("No classifier is active yet, so there is nothing to check",
                                fix="classify reviews once (installs the shipped starter) or run `shoplens train all`")
        folder = act["path"]
    if not args.again and (done := other_shops.cached(folder)):
        return done
    return other_shops.measure(folder, device=args.device)


def register(sub) -> None:
    from models import backbone  # a constant only: no torch

    s = sub.add_parser("train", help="fine-tune the review classifier and write a versioned model folder")
    s.add_argument("task", choices=["sentiment", "topics", "all"])
    s.add_argument("--epochs", type=positive_int, default=None)
    s.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    s.add_argument("--mode", choices=["auto", "fast", "finetune"], default="auto",
                   help="fast: linear heads on the starter's frozen encoder (a minute or two on 2 CPU cores once embeddings are cached); finetune: "
                        "the full fine-tune, more accurate (GPU minutes; about 20 min on 2 CPU cores, capped by "
                        "--max-minutes); auto: finetune on a GPU, else fast")
    s.add_argument("--max-minutes", type=positive_float, default=None, help="fine-tune time budget (default 25)")
    s.add_argument("--encoder-layers", type=int, choices=range(0, backbone.LAYERS + 1), default=None,
                   help="bottom backbone layers kept (default 4; 0 = all six, a third slower to score)")
    s.add_argument("--weak-labels", choices=["ratings", "teacher"], default=None,
                   help="where the unlabelled reviews' sentiment comes from: star ratings (default) or the "
                        "distillation teacher's reading (models/distill.py; experimental)")
    s.add_argument("--plain-backbone", action="store_true",
                   help="fast mode: fit the heads on the plain MiniLM backbone instead of the starter's fine-tuned "
                        "encoder")
    s.add_argument("--no-titles", action="store_true",
                   help="leave out the unlabelled reviews' titles as short training rows (they teach one-line "
                        "reviews; without them a Fast run is about 30 s shorter)")
    s.add_argument("--activate", choices=["auto", "always", "never"], default="auto",
                   help="auto: only when not worse on the test split than the active model")
    s.add_argument("--baselines", action="store_true", help="also measure TF-IDF and zero-shot baselines for the card")
    s.set_defaults(func=cmd_train)
    s = sub.add_parser("classify", help="classify the reviews in a CSV file with the active model")
    s.add_argument("file")
    s.add_argument("--text-column", required=True)
    s.add_argument("--title-column", default=None)
    s.add_argument("--out", required=True)
    s.add_argument("--model", default=None, help="a model folder instead of the active model")
    s.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    s.set_defaults(func=cmd_classify)
    s = sub.add_parser("score", help="classify new or changed reviews in the database into review_labels")
    s.add_argument("--limit", type=positive_int, default=None, help="score at most N reviews now, newest first")
    s.add_argument("--model", default=None, help="a model folder instead of the active model")
    s.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    s.set_defaults(func=cmd_score)
    s = sub.add_parser("other-shops", help="how a classifier holds up on other shops' hand-read reviews (phones, "
                                           "restaurants, grocery) beside its in-domain test figure; kept in its folder")
    s.add_argument("--model", default=None, help="a model version folder (default: the active sentiment model, else the topics one)")
    s.add_argument("--again", action="store_true", help="measure again even if the folder holds a result")
    s.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    s.set_defaults(func=cmd_other_shops, min_role="marketer")
