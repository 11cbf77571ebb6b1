"""Soak run with light browsing users: N websocket clients speaking Streamlit's own protocol click through the app
while one real browser uploads orders and another retrains the classifier, all on one `streamlit run` on a fresh
home (the demo shop). Prints the same report as bench/soak.py, plus the CPU time of the server and of the load
generator, so the page times can be read as the app's and not the load generator's.

    python bench/soak_ws.py [--users 20] [--minutes 3] [--no-retrain] [--no-upload]

Why not 20 browsers: on a 2-core machine 20 Chromium tabs take about three quarters of the CPU themselves, so
bench/soak.py measures its own load as much as the app. A websocket client costs a small fraction of a tab and does
to the server what a tab does: one session, the same BackMsgs, every ForwardMsg read and checked. What it skips is
the browser's HTTP side (index page, JS bundles, media) and rendering.

The protocol, as Streamlit 1.67 speaks it (web/server/starlette/starlette_websocket.py and the frontend bundle):
- handshake: a websocket to /_stcore/stream with subprotocols ["streamlit", <XSRF token>]; the token (the browser's
  `_streamlit_xsrf` cookie or "PLACEHOLDER_AUTH_TOKEN") only matters for st.login cookies, so none is fetched here.
  The server pings (uvicorn); the client answers pings and, like a browser, sends none of its own.
- every run: the client sends BackMsg.rerun_script (ClientState: page_script_hash, widget_states, the hashes of the
  big messages it has cached); the server answers new_session (the run's id in metadata.run), navigation, deltas
  (a cached one comes back as ref_hash) and script_finished. FINISHED_EARLY_FOR_RERUN means an st.rerun() follows
  with a new new_session; the run the user waits for ends with FINISHED_SUCCESSFULLY.
- sign-in: the first run shows the form; the client finds the text inputs "User name" and "Password" and the
  submit button "Sign in" among the deltas and reruns with their ids (two string values and the trigger).
- navigation: the signed-in run's Navigation message lists the pages (name, url path, page_script_hash); a page
  change is a rerun with that page's hash.

A page time is the span from sending the rerun for a page to its script_finished; it counts only when the run's
navigation names that page and its title heading arrived, so a client that got nothing is an error, not a fast page.
An exception element or a compile-error finish is an error; so is a lost connection (the client then reconnects
and signs in again, as a browser would). A source file saved while the app runs shows up as
received.source_changed_on_disk: Streamlit's file watcher then evicts the app's modules from sys.modules at the start
of each session's next run, which can break another session's import halfway (KeyError: 'dashboard.auth'), so
errors of that kind in such a run come from the edit, not from the load.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402
from streamlit.proto.Alert_pb2 import Alert  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from bench.soak import (  # noqa: E402
    BROWSE,
    add_accounts,
    parse_args,
    prepare_sign_in,
    retrain,
    summarize,
    upload,
    upload_file,
)
from tests.browser_app import CHROMIUM, start_app  # noqa: E402

PAGE_TIMEOUT_S = 300  # as bench/soak.py's settle(): past this a page is an error, not a slow page
MAX_CACHED_RUNS = 2  # global.maxCachedMessageAge: the frontend forgets a cached message after this many runs
FINISHED = ForwardMsg.FINISHED_SUCCESSFULLY


class ProtocolError(Exception):
    """The server said something a browser could not have rendered, or nothing at all."""


class Run:
    """What one rerun chain showed: the last run's elements are what the user sees."""

    def __init__(self) -> None:
        self.run_id = ""
        self.status: int | None = None
        self.elements: list = []
        self.navigation = None
        self.exceptions: list[str] = []
        self.alerts: list[str] = []
        self.not_found = False

    def headings(self) -> list[str]:
        return [e.heading.body for e in self.elements if e.WhichOneof("type") == "heading"]

    def widget(self, kind: str, label: str) -> str:
        for e in self.elements:
            if e.WhichOneof("type") == kind and getattr(e, kind).label == label:
                return getattr(e, kind).id
        raise ProtocolError(f"no {kind} labelled {label!r} on the page")


class WsUser:
    """One browsing user: a Streamlit session over one websocket, with the frontend's message cache."""

    def __init__(self, url: str, who: str) -> None:
        self.url = url
        self.who = who
        self.ws = None
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.reader: asyncio.Task | None = None
        self.cache: dict[str, ForwardMsg] = {}
        self.cache_run: dict[str, int] = {}
        self.runs = 0
        self.pages: dict[str, str] = {}
        self.received = {"messages": 0, "bytes": 0, "cache_refs": 0, "source_changed_on_disk": 0}

    async def connect(self) -> None:
        await self.close()
        self.ws = await websockets.connect(
            self.url.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"], origin=self.url,
            max_size=None, ping_interval=None, open_timeout=60, close_timeout=5)
        self.inbox = asyncio.Queue()
        self.reader = asyncio.create_task(self._read(self.ws, self.inbox, self.received))

    @staticmethod
    async def _read(ws, inbox: asyncio.Queue, received: dict) -> None:
        """Drains the socket all the time, as a browser does, so the server's send queue and pings never wait on us."""
        try:
            async for data in ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                received["messages"] += 1
                received["bytes"] += len(data)
                inbox.put_nowait(msg)
        except Exception as exc:  # handed to the waiting run as what ended the connection
            inbox.put_nowait(exc)
            return
        inbox.put_nowait(ConnectionError(f"server closed the websocket ({ws.close_code})"))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)
            self.reader = None

    async def rerun(self, page_script_hash: str = "", widgets: tuple = (), timeout_s: float = PAGE_TIMEOUT_S) -> Run:
        """Send one rerun_script and wait for the run chain it starts to finish."""
        back = BackMsg()
        cs = back.rerun_script
        cs.page_script_hash = page_script_hash
        cs.widget_states.widgets.extend(widgets)
        cs.cached_message_hashes.extend(self.cache)
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-GB"
        cs.context_info.url = self.url + "/"
        while not self.inbox.empty():  # what came after the previous finish (status changes) belongs to no run
            leftover = self.inbox.get_nowait()
            if isinstance(leftover, BaseException):
                raise leftover
            self._take(leftover, Run())
        await self.ws.send(back.SerializeToString())
        run = Run()
        deadline = time.perf_counter() + timeout_s
        while True:
            try:
                msg = await asyncio.wait_for(self.inbox.get(), max(0.0, deadline - time.perf_counter()))
            except TimeoutError:
                raise TimeoutError(f"no script_finished within {timeout_s:.0f} s") from None
            if isinstance(msg, BaseException):
                raise msg
            if self._take(msg, run):
                return run

    def _take(self, msg: ForwardMsg, run: Run) -> bool:
        """Fold one ForwardMsg into the run; True once the chain is over."""
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                raise ProtocolError(f"ref_hash {msg.ref_hash} not in the client cache")
            self.cache_run[msg.ref_hash] = self.runs
            self.received["cache_refs"] += 1
            msg, kind = cached, cached.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            self.cache[msg.hash] = msg
            self.cache_run[msg.hash] = self.runs
        if kind == "new_session":
            run.run_id = msg.metadata.run.script_run_id
            run.elements, run.exceptions, run.alerts, run.navigation = [], [], [], None
        elif kind == "navigation":
            run.navigation = msg.navigation
        elif kind == "page_not_found":
            run.not_found = True
        elif kind == "session_event" and msg.session_event.script_changed_on_disk:
            self.received["source_changed_on_disk"] += 1  # someone edited the app's files while it served us
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            exc = msg.session_event.script_compilation_exception
            run.exceptions.append(f"{exc.type}: {exc.message[:200]}")
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            run.elements.append(el)
            if el.WhichOneof("type") == "exception":
                run.exceptions.append(f"{el.exception.type}: {el.exception.message[:200]}")
            elif el.WhichOneof("type") == "alert" and el.alert.format == Alert.ERROR:
                run.alerts.append(el.alert.body[:200])
        elif kind == "script_finished":
            if not run.run_id or (msg.metadata.run.script_run_id and msg.metadata.run.script_run_id != run.run_id):
                return False  # the end of a run this request did not start
            if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return False  # st.rerun(): the next new_session continues the chain
            if msg.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                return False
            run.status = msg.script_finished
            self._age_cache()
            return True
        return False

    def _age_cache(self) -> None:
        self.runs += 1
        for h in [h for h, seen in self.cache_run.items() if self.runs - seen > MAX_CACHED_RUNS]:
            del self.cache[h], self.cache_run[h]

    async def sign_in(self, user: str, password: str) -> None:
        await self.connect()
        form = await self.rerun()
        if "Sign in" not in form.headings():
            raise ProtocolError(f"first run shows {form.headings()[:3]}, not the sign-in page")
        run = await self.rerun(widgets=(
            WidgetState(id=form.widget("text_input", "User name"), string_value=user),
            WidgetState(id=form.widget("text_input", "Password"), string_value=password),
            WidgetState(id=form.widget("button", "Sign in"), trigger_value=True)))
        if run.status != FINISHED or run.exceptions or run.navigation is None:
            raise ProtocolError(f"sign-in run ended {run.status} with {run.exceptions or 'no navigation'}")
        self.pages = {p.page_name: p.page_script_hash for p in run.navigation.app_pages}
        missing = [p for p in BROWSE if p not in self.pages]
        if missing:
            raise ProtocolError(f"signed in, but the navigation lacks {missing}: {run.alerts or run.headings()[:3]}")

    async def visit(self, title: str) -> tuple[float, list[str], list[str]]:
        """(page time, errors the user saw, st.error boxes shown) for one click on the page's link."""
        t = time.perf_counter()
        run = await self.rerun(self.pages[title])
        took = time.perf_counter() - t
        if run.exceptions:  # the exception is also why the page is missing: one finding, not two
            return took, [f"exception: {e}" for e in run.exceptions], run.alerts
        return took, self._not_shown(run, title), run.alerts

    def _not_shown(self, run: Run, title: str) -> list[str]:
        if run.status != FINISHED:
            return [f"script_finished {ForwardMsg.ScriptFinishedStatus.Name(run.status)}"]
        if run.not_found:
            return ["page_not_found"]
        if run.navigation is None or run.navigation.page_script_hash != self.pages[title]:
            return ["the run did not navigate to the page"]
        if title not in run.headings():
            return [f"no {title!r} heading among {len(run.elements)} elements"]
        return []


async def browse(url: str, account: tuple[str, str], stop_at: float, times: dict, errors: list, stats: dict,
                 n: int) -> None:
    who = f"user{n}"
    rnd = random.Random(n)
    client = WsUser(url, who)
    signed_in = False
    try:
        while time.time() < stop_at:
            if not signed_in:
                t = time.perf_counter()
                try:
                    await client.sign_in(*account)
                except Exception as exc:  # recorded; the next loop tries again, as a reloading person would
                    errors.append(f"{who}: sign-in: {type(exc).__name__}: {str(exc)[:200]}")
                    await asyncio.sleep(2)
                    continue
                stats["sign_in_s"].append(time.perf_counter() - t)
                signed_in = True
            title = rnd.choice(BROWSE)
            try:
                took, seen, alerts = await client.visit(title)
            except Exception as exc:  # a lost connection or a timeout is a finding; reconnect and go on
                errors.append(f"{who}: {title}: {type(exc).__name__}: {str(exc)[:200]}")
                stats["reconnects"] += 1
                signed_in = False
                continue
            if seen:
                errors.extend(f"{who}: {title}: {e}" for e in seen)
            else:
                times.setdefault(title, []).append(took)
            stats["alerts"].extend(f"{who}: {title}: {a}" for a in alerts)
            await asyncio.sleep(rnd.uniform(0.5, 2.0))  # reading time
    finally:
        await client.close()
        for k, v in client.received.items():
            stats[k] = stats.get(k, 0) + v


# ---------------------------------------------------------------- CPU accounting
TICK = os.sysconf("SC_CLK_TCK")


def _proc_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, CPU ticks used so far, user + system) for every live process."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("latin-1")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # the command name may contain spaces and parentheses
        out[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return out


def _subtree(table: dict, root: int, skip: int | None = None) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    seen, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in seen or pid == skip or pid not in table:
            continue
        seen.add(pid)
        todo.extend(children.get(pid, []))
    return seen


def _machine_busy_ticks() -> int:
    with open("/proc/stat") as f:
        cpu = [int(v) for v in f.readline().split()[1:]]
    return sum(cpu) - cpu[3] - cpu[4]  # all but idle and iowait


class CpuMeter:
    """CPU seconds of the server tree, of this process's tree (the load generator) and of everything else on the
    machine, sampled each second so short-lived browser processes are counted up to their last sample."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.me = os.getpid()
        self.start: dict[int, int] = {}
        self.last: dict[int, tuple[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        table = _proc_table()
        groups = {"server": _subtree(table, self.server_pid),
                  "client_python": {self.me},
                  "browsers": _subtree(table, self.me, skip=self.server_pid) - {self.me}}
        for group, pids in groups.items():
            for pid in pids:
                self.last[pid] = (group, table[pid][1])

    def __enter__(self) -> CpuMeter:
        self.machine_start = _machine_busy_ticks()
        self.t0 = time.perf_counter()
        self._sample()
        self.start = {pid: ticks for pid, (_, ticks) in self.last.items()}
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            self._sample()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.machine = _machine_busy_ticks() - self.machine_start
        self.wall = time.perf_counter() - self.t0

    def report(self) -> dict:
        used = {"server": 0, "client_python": 0, "browsers": 0}
        for pid, (group, ticks) in self.last.items():
            used[group] += ticks - self.start.get(pid, 0)
        gen = used["client_python"] + used["browsers"]
        return {
            "wall_s": round(self.wall, 1),
            "server_cpu_s": round(used["server"] / TICK, 1),
            "loadgen_cpu_s": round(gen / TICK, 1),
            "loadgen_cpu_detail_s": {"websocket_clients_and_playwright_driver": round(used["client_python"] / TICK, 1),
                                     "playwright_node_and_chromium": round(used["browsers"] / TICK, 1)},
            "other_cpu_s": round(max(0, self.machine - used["server"] - gen) / TICK, 1),
            "machine_cpu_capacity_s": round(self.wall * (os.cpu_count() or 1), 1),
        }


# ---------------------------------------------------------------- the run
async def timed_job(name: str, job, stop_at: float, jobs: dict) -> None:
    """Runs one browser job and notes how much of its upload or retrain (from the click to the result, the span the
    job reports as {name}_s) ran while the websocket users were still browsing, the part the soak is about."""
    await job
    end = time.time()
    jobs[f"{name}_overlap_with_browsing_s"] = round(max(0.0, min(end, stop_at) - (end - jobs[f"{name}_s"])), 1)


async def run(args, url: str, account: tuple[str, str], sign_in) -> dict:
    times: dict[str, list[float]] = {}
    errors: list[str] = []
    jobs: dict = {}
    stats: dict = {"sign_in_s": [], "reconnects": 0, "alerts": []}
    stop_at = time.time() + args.minutes * 60
    tasks = [browse(url, account, stop_at, times, errors, stats, n) for n in range(args.users)]
    browser = playwright = None
    if not (args.no_upload and args.no_retrain):
        from playwright.async_api import async_playwright

        playwright = await async_playwright().start()
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        if not args.no_upload:
            folder = Path(tempfile.mkdtemp(prefix="soak"))
            tasks.append(timed_job("upload", upload(browser, url, sign_in, upload_file(folder), jobs, errors),
                                   stop_at, jobs))
        if not args.no_retrain:
            tasks.append(timed_job("retrain", retrain(browser, url, sign_in, jobs, errors), stop_at, jobs))
    try:
        results = await asyncio.gather(*tasks, return_exceptions=True)
        errors.extend(f"task: {type(r).__name__}: {str(r).splitlines()[0][:160] if str(r) else ''}"
                      for r in results if isinstance(r, BaseException))
    finally:
        if browser is not None:
            await browser.close()
            await playwright.stop()
    out = summarize(args, times, errors, jobs)
    signs = sorted(stats["sign_in_s"])
    out["client"] = "websocket (Streamlit protocol); upload and retrain in headless Chromium"
    out["sign_ins"] = len(signs)
    out["sign_in_p50_s"] = round(statistics.median(signs), 2) if signs else None
    out["sign_in_max_s"] = round(signs[-1], 2) if signs else None
    out["reconnects"] = stats["reconnects"]
    out["received"] = {k: stats.get(k, 0) for k in ("messages", "bytes", "cache_refs",
                                                                  "source_changed_on_disk")}
    out["error_alerts"] = stats["alerts"][:20]
    return out


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    home = Path(tempfile.mkdtemp(prefix="soakhome"))
    accounts = add_accounts(home)
    sign_in = prepare_sign_in(home, accounts)
    t = time.perf_counter()
    proc, url = start_app(home)
    print(f"app up on the fresh demo shop in {time.perf_counter() - t:.1f} s: {url}", flush=True)
    try:
        with CpuMeter(proc.pid) as cpu:
            result = asyncio.run(run(args, url, accounts["marketer"], sign_in))
        result.update(cpu.report())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
