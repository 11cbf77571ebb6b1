"""One module per group of `shoplens` subcommands; each exposes register(subparsers). cli.py lists them."""

import argparse
import math


def positive_int(text: str) -> int:
    """argparse type for counts and horizons: argparse then prints one clear line instead of a traceback."""
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return v


def positive_float(text: str) -> float:
    """argparse type for budgets and bounds: a finite number above zero ('nan', 'inf' and '-1' are refused)."""
    try:
        v = float(text)
    except ValueError:
        v = float("nan")
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return v
