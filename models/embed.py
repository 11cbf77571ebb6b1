"""Frozen-backbone sentence embeddings with an on-disk cache keyed by text, so linear heads retrain in seconds.

A model whose encoder is the untouched backbone (a "fast" model) gets the same embedding for the same text whichever
version it is, so scoring the demo reviews once fills the cache that the next fast Retrain reads (and vice versa).
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path

import numpy as np

from analysis.config import home

_LOCK = threading.Lock()


def text_key(text: str) -> int:
    """64-bit key of one cleaned text."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).digest(), "little")


class EmbeddingCache:
    """keys.npy (uint64) + emb.npy (float32, (N, H)) under $SHOPLENS_HOME/cache/embeddings/<name>/."""

    def __init__(self, name: str, folder: Path | None = None):
        self.folder = folder or home() / "cache" / "embeddings" / name
        self.index: dict[int, int] = {}
        self.emb = np.zeros((0, 0), np.float32)
        self.new_keys: list[int] = []
        self.new_rows: list[np.ndarray] = []
        try:
            keys = np.load(self.folder / "keys.npy")
            emb = np.load(self.folder / "emb.npy")
            if len(keys) == len(emb):
                self.index = {int(k): i for i, k in enumerate(keys)}
                self.emb = emb
        except (OSError, ValueError):
            pass  # no cache yet, or a damaged one: start empty

    def lookup(self, keys: list[int], dim: int) -> tuple[np.ndarray, list[int]]:
        """(embeddings with zero rows where missing (N, H), positions that are missing)."""
        out = np.zeros((len(keys), dim), np.float32)
        missing = []
        for i, k in enumerate(keys):
            j = self.index.get(k)
            if j is None or self.emb.shape[1] != dim:
                missing.append(i)
            else:
                out[i] = self.emb[j]
        return out, missing

    def add(self, keys: list[int], rows: np.ndarray) -> None:
        for k, r in zip(keys, rows, strict=True):
            if k not in self.index:
                self.index[k] = -1  # pending; written by save()
                self.new_keys.append(k)
                self.new_rows.append(r)

    def save(self) -> None:
        """Append the new rows; written to temp files then renamed, so a crash never leaves a torn cache."""
        if not self.new_keys:
            return
        with _LOCK:
            self.folder.mkdir(parents=True, exist_ok=True)
            old = [(k, i) for k, i in self.index.items() if i >= 0]
            keys = np.array([k for k, _ in old] + self.new_keys, np.uint64)
            emb = np.vstack([self.emb[[i for _, i in old]].reshape(len(old), -1) if old else
                             np.zeros((0, len(self.new_rows[0])), np.float32), np.stack(self.new_rows)])
            for name, arr in (("emb.npy", emb.astype(np.float32)), ("keys.npy", keys)):
                tmp = self.folder / f".{name}.{os.getpid()}.tmp"
                with open(tmp, "wb") as f:
                    np.save(f, arr)
                os.replace(tmp, self.folder / name)
            self.index = {int(k): i for i, k in enumerate(keys)}
            self.emb = emb
            self.new_keys, self.new_rows = [], []

    def missing(self, keys: list[int]) -> int:
        """How many of these keys have no cached embedding (what an embed() call would have to compute)."""
        return sum(k not in self.index for k in keys)

    SPEED_FILE = "speed.json"
    MIN_SPEED_SAMPLE = 32  # texts: fewer say more about start-up than about speed

    def record_speed(self, texts: int, seconds: float, device: str) -> None:
        """Remember how fast the latest real embedding pass ran on this machine, so a Retrain can state its expected
        time from a measurement instead of a guess."""
        if texts < self.MIN_SPEED_SAMPLE or seconds <= 0:
            return
        from analysis.atomic_file import write_text_atomic

        write_text_atomic(self.folder / self.SPEED_FILE, json.dumps(
            {"texts": texts, "seconds": round(seconds, 2), "texts_per_second": round(texts / seconds, 2),
             "device": device, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S")}))

    def speed(self) -> dict | None:
        """The last recorded embedding speed in this cache ({texts, seconds, texts_per_second, device, measured_at})."""
        try:
            return json.loads((self.folder / self.SPEED_FILE).read_text())
        except (OSError, ValueError):
            return None
