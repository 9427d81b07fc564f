"""Killing real `ogi run` commands at random moments and checking what they leave behind.

Used by tests/test_crash_safety.py (10 kills over 200 reports) and benchmarks/crash_kills.py
(as many as asked, over a larger corpus). Each round starts `ogi run` in its own process group
(as a shell runs a command), waits either for a random moment of its start-up or until it has
begun loading plus a random fraction of a second, and then:

- SIGKILL to the whole group (the OOM killer, `kill -9`, a machine losing power to the run),
- SIGTERM to the `ogi` process alone (a scheduler stopping it; its workers must not linger), or
- SIGINT to the whole group (Ctrl-C in a terminal).

After each kill the warehouse must hold only whole reports — every current report with exactly
the cells, local rows and issues its file gives when parsed here — no report twice, and no
process of the run left behind.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
SIGNALS = (("SIGKILL", "group"), ("SIGTERM", "ogi"), ("SIGINT", "group"))


@dataclass(frozen=True)
class Expected:
    status: str
    article20: int
    applications: int
    review_litigation: int
    local_rows: int
    issues: int


def expected_contents(paths: list[Path]) -> dict[str, Expected]:
    """What each file gives when read and parsed in this process: source URI → counts."""
    from etl.limits import Limits
    from etl.pipeline import WorkItem, fetch_document, parse_document

    expected = {}
    for path in paths:
        parsed = parse_document(fetch_document(WorkItem(str(path), path=str(path)), Limits()))
        expected[str(path)] = Expected(parsed.status, len(parsed.article20), len(parsed.applications),
                                       len(parsed.review_litigation), len(parsed.local_rows), len(parsed.issues))
    return expected


_CONTENTS = sa.text(
    """
    select r.source_uri, r.status,
           (select count(*) from core.article20_cell c where c.report_id = r.report_id),
           (select count(*) from core.application_cell c where c.report_id = r.report_id),
           (select count(*) from core.review_litigation_cell c where c.report_id = r.report_id),
           (select count(*) from core.local_row_cell c where c.report_id = r.report_id),
           (select count(*) from core.quality_issue c where c.report_id = r.report_id)
    from core.report r where r.is_current
    """
)


def warehouse_problems(engine, expected: dict[str, Expected]) -> list[str]:
    """Everything wrong with the warehouse after a kill; empty when it holds only whole reports."""
    problems = []
    with engine.connect() as conn:
        for uri, status, *counts in conn.execute(_CONTENTS):
            got = Expected(status, *counts)
            if uri not in expected:
                problems.append(f"{uri}: a current report from no file of the corpus")
            elif got != expected[uri]:
                problems.append(f"{uri}: holds {got}, its file gives {expected[uri]}")
        duplicates = conn.execute(sa.text(
            "select jurisdiction_code, agency, year, count(*) from core.report"
            " where is_current and status <> 'quarantined' group by 1, 2, 3 having count(*) > 1")).all()
        problems += [f"{row[:3]}: {row[3]} current versions" for row in duplicates]
        # The corpus never changes, so each file may have one version only, current or not.
        versions = Counter(uri for (uri,) in conn.execute(sa.text("select source_uri from core.report")))
        problems += [f"{uri}: {n} versions of unchanged bytes" for uri, n in versions.items() if n > 1]
    return problems


def current_reports(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("select count(*) from core.report where is_current")).scalar()


def _loaded_since(engine, since) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("select count(*) from core.report where loaded_at >= :t"), {"t": since}).scalar()


def _db_now(engine):
    with engine.connect() as conn:
        return conn.execute(sa.text("select clock_timestamp()")).scalar()


def _as_from_a_terminal() -> None:
    # A shell starts background jobs with SIGINT ignored, and the ignoring is inherited (under
    # `nohup pytest &`, Ctrl-C would never reach ogi); a command typed in a terminal has it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_ogi(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "etl.cli", *args], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_as_from_a_terminal)


def group_gone(pgid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


@dataclass
class Round:
    signal: str
    target: str
    force: bool
    during: str  # "start-up" | "loading"
    killed: bool  # the run was still going when the signal came
    loaded_before_kill: int  # reports this run had loaded (committed) when killed
    returncode: int | None
    problems: list[str]


def kill_round(engine, corpus: Path, expected: dict[str, Expected], env: dict[str, str], log: Path,
               rng: random.Random, number: int, workers: int = 2, timeout_s: float = 600) -> Round:
    """One `ogi run` killed: the signal cycles through SIGNALS; every third round starts from an
    empty warehouse, the others use --force, so that each run has the whole corpus to (re)load;
    every fourth is killed during start-up, the others once loading has begun."""
    sig_name, target = SIGNALS[number % len(SIGNALS)]
    force = number % 3 != 0
    if not force:
        with engine.begin() as conn:
            conn.exec_driver_sql("truncate core.report cascade")
    during = "start-up" if number % 4 == 3 else "loading"
    since = _db_now(engine)
    process = start_ogi(["run", str(corpus), "--workers", str(workers), *(["--force"] if force else [])], env, log)
    deadline = time.monotonic() + timeout_s
    if during == "start-up":
        time.sleep(rng.uniform(0.2, 3.0))
    else:
        while process.poll() is None and _loaded_since(engine, since) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(rng.uniform(0.0, 1.0))
    killed = process.poll() is None
    loaded = _loaded_since(engine, since)
    if killed:
        sig = getattr(signal, sig_name)
        (os.killpg if target == "group" else os.kill)(process.pid, sig)
    try:
        returncode = process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        returncode = process.wait()
    problems = warehouse_problems(engine, expected)
    if not group_gone(process.pid, 15):
        problems.append(f"processes of the killed run are still alive: {_group_processes(process.pid)}")
        os.killpg(process.pid, signal.SIGKILL)
    return Round(sig_name, target, force, during, killed, loaded, returncode, problems)


def _group_processes(pgid: int) -> str:
    result = subprocess.run(["ps", "-o", "pid,args", "-g", str(pgid)], capture_output=True, text=True)
    return result.stdout.strip()


@contextmanager
def standing_prefect_server(home: Path, port: int):
    """A Prefect server for the runs to report to, started once: without one, every `ogi run`
    would start (and, killed, orphan) a temporary server of its own."""
    import httpx

    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OGI_"))}
    env.update(PREFECT_HOME=str(home), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_UI_ENABLED="false")
    prefect_bin = str(Path(sys.executable).with_name("prefect"))
    server = subprocess.Popen([prefect_bin, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Prefect server did not start")
            time.sleep(1)
        yield api
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
