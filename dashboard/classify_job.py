"""Classify every waiting review in the background: one thread in the app process, writing through the app's one
DuckDB connection under its write lock, batch by batch, while pages keep working.

Why a thread in the app and not a subprocess: DuckDB allows one writer process and the app holds the file
read-write. Why batches under the lock (not the lock around the whole run): the lock is held only while a batch's
labels are written (milliseconds), so a correction or an upload never waits minutes for the classifier, and each
batch is committed as it lands, so the charts fill in and a stop or a crash keeps what was scored.

One job per database file per process; every session sees the same job (progress, rate, stop).
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

BATCH = 1024  # reviews per committed batch: about 40 s at the ~25 reviews/s of 2 busy CPU cores


def batch_size() -> int:
    """BATCH, or SHOPLENS_CLASSIFY_BATCH (tests use small batches to see several land)."""
    return max(1, int(os.environ.get("SHOPLENS_CLASSIFY_BATCH", BATCH)))


class Stopped(Exception):
    """Raised inside the scoring loop when someone pressed Stop; batches already written stay."""


@dataclass
class Job:
    db_path: str
    who: str
    total: int = 0  # reviews waiting when the job started
    done: int = 0  # reviews scored so far (written or in the batch being scored)
    written: int = 0  # reviews whose labels are committed
    batches: int = 0  # committed batches: pages refresh their charts when this grows
    unknown: int = 0
    model_version: str = ""
    phase: str = "loading the model"
    started: float = field(default_factory=time.time)
    scoring_started: float | None = None
    finished: float | None = None
    error: str | None = None
    stop: bool = False
    result: dict | None = None
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.finished is None

    def rate(self) -> float | None:
        """Reviews per second since the model finished loading (None before the first batch lands)."""
        if self.scoring_started is None or not self.done:
            return None
        end = self.finished or time.time()
        return self.done / max(end - self.scoring_started, 1e-6)

    def eta_seconds(self) -> float | None:
        r = self.rate()
        return None if not r else (self.total - self.done) / r


_jobs: dict[str, Job] = {}
_lock = threading.Lock()


def current(db_path: str) -> Job | None:
    """The running or last finished job for this database in this process, if any."""
    return _jobs.get(str(db_path))


def start(con, write_lock, db_path: str, who: str, models=None, batch: int | None = None) -> Job:
    """Start classifying every review without a label from the active model (a no-op returning the running job
    when one is already at work). con: the app's connection (the thread takes its own cursor); models: an
    ActiveModels (default: loaded on the thread, installing the shipped starter when none is active)."""
    key = str(db_path)
    with _lock:
        job = _jobs.get(key)
        if job is not None and job.running:
            return job
        from models.scoring import pending_reviews

        job = Job(db_path=key, who=who, total=pending_reviews(con.cursor())[1])
        job.thread = threading.Thread(target=_run, args=(job, con, write_lock, models, batch or batch_size()), daemon=True,
                                      name="shoplens-classify")
        _jobs[key] = job
        job.thread.start()
        return job


def restart(con, write_lock, db_path: str, who: str, timeout: float = 300) -> Job:
    """A fresh job with the model active now: a running one (scoring with the model a Retrain just replaced) is
    stopped at its current batch first, keeping what it wrote."""
    stop(db_path)
    wait(db_path, timeout)
    return start(con, write_lock, db_path, who)


def stop(db_path: str) -> None:
    job = current(db_path)
    if job is not None and job.running:
        job.stop = True


def wait(db_path: str, timeout: float | None = None) -> Job | None:
    """Block until the job for this database has finished (tests and the CLI)."""
    job = current(db_path)
    if job is not None and job.thread is not None:
        job.thread.join(timeout)
    return job


def _run(job: Job, con, write_lock, models, batch: int) -> None:
    from models.scoring import ActiveModels, pending_reviews, score_database

    try:
        cur = con.cursor()  # DuckDB: one cursor per thread
        if models is None:
            models = ActiveModels()
        job.model_version = models.version
        job.total = pending_reviews(cur)[1]  # the starter may have been installed just now
        job.phase = "classifying"
        job.scoring_started = time.time()

        def progress(done: int, total: int) -> None:
            if job.stop:
                raise Stopped
            job.done = done

        def landed(written: int) -> None:
            job.written = written
            job.batches += 1

        job.result = score_database(cur, models, who=job.who, batch=batch, progress=progress, lock=write_lock,
                                    on_batch=landed)
        job.unknown = job.result["unknown"]
        job.phase = "done"
    except Stopped:
        job.phase = "stopped"
    except Exception as exc:  # the thread must never die silently: the page shows what went wrong
        job.error = f"{type(exc).__name__}: {str(exc)[:300]}"
        job.phase = "failed"
    finally:
        job.finished = time.time()
