"""One module per group of `shoplens` subcommands; each exposes register(subparsers). cli.py lists them."""

import argparse


def positive_int(text: str) -> int:
    """argparse type for counts and horizons: argparse then prints one clear line instead of a traceback."""
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return v
