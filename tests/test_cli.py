"""The `ogi` command as a user runs it: through the Prefect flow, against a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl import migrate
from tests.conftest import SEEDS

REPO = Path(__file__).resolve().parents[1]


def _ogi(*args: str, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl.cli", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture
def cli_env(new_database, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OGI_"))}
    env.update(OGI_DATABASE_URL=new_database(), OGI_HOME=str(tmp_path / "ogi-home"))
    return env


@pytest.mark.prefect
def test_ogi_run_loads_the_seeds_through_prefect_and_a_second_run_changes_nothing(cli_env):
    from tests.test_redaction import with_password

    # A URL with a password: the whole run (Prefect's output included) must not show it.
    cli_env["OGI_DATABASE_URL"], password = with_password(cli_env["OGI_DATABASE_URL"])
    first = _ogi("run", str(SEEDS), env=cli_env)
    assert first.returncode == 0, first.stderr
    assert password not in first.stdout + first.stderr
    assert "5 report file(s): 3 loaded, 2 with no tables, 0 quarantined" in first.stdout
    assert "5 new" in first.stdout
    assert "review_litigation_total" in first.stdout  # issues by check
    assert "[5/5]" in first.stderr  # progress

    second = _ogi("run", str(SEEDS), env=cli_env)
    assert second.returncode == 0, second.stderr
    assert "5 unchanged" in second.stdout

    engine = sa.create_engine(cli_env["OGI_DATABASE_URL"])
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from v_reports")).scalar() == 5
        assert conn.execute(sa.text("select count(*) from core.report")).scalar() == 5

    # With data loaded, the whole schema goes down and comes back up through the CLI.
    down = _ogi("db", "downgrade", "base", env=cli_env)
    assert down.returncode == 0, down.stderr
    up = _ogi("db", "upgrade", env=cli_env)
    assert up.returncode == 0, up.stderr
    assert f"schema at {migrate.head_revision()}" in up.stdout
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from v_reports")).scalar() == 0
        assert conn.execute(sa.text("select count(*) from core.jurisdiction")).scalar() > 3000
    engine.dispose()


def test_db_commands_move_the_schema(cli_env):
    upgraded = _ogi("db", "upgrade", env=cli_env)
    assert upgraded.returncode == 0, upgraded.stderr
    current = _ogi("db", "current", env=cli_env)
    assert "up to date" in current.stdout
    down = _ogi("db", "downgrade", "base", env=cli_env)
    assert down.returncode == 0, down.stderr
    assert "base (empty)" in down.stdout
    assert "behind" in _ogi("db", "current", env=cli_env).stdout


def test_a_missing_path_is_a_usage_error(cli_env):
    result = _ogi("run", "/no/such/reports", env=cli_env)
    assert result.returncode == 2
    assert "no such file or folder: /no/such/reports" in result.stderr


def test_an_unreachable_database_fails_the_run_with_one_clear_line(cli_env):
    cli_env["OGI_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/nothing"
    result = _ogi("db", "current", env=cli_env)
    assert result.returncode == 1
    assert "cannot use the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_url_scheme_is_explained(cli_env):
    cli_env["OGI_DATABASE_URL"] = "mysql://u@h/db"
    result = _ogi("db", "current", env=cli_env)
    assert result.returncode == 1
    assert "postgresql://user:password@host:port/database" in result.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.prefect
def test_ogi_serve_registers_the_nightly_deployment_on_a_standing_prefect_server(cli_env, tmp_path):
    import time

    import httpx

    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**cli_env, "PREFECT_HOME": str(tmp_path / "prefect"), "DO_NOT_TRACK": "1",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false"}
    (tmp_path / "prefect").mkdir()
    prefect_bin = str(Path(sys.executable).with_name("prefect"))
    server = subprocess.Popen([prefect_bin, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    serving = None
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail("prefect server did not start")
        serving = subprocess.Popen([sys.executable, "-m", "etl.cli", "serve", "--cron", "0 2 * * *"],
                                   cwd=REPO, env={**env, "PREFECT_API_URL": api},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deployment = None
        while time.monotonic() < deadline and deployment is None:
            response = httpx.get(f"{api}/deployments/name/nightly/ogi-nightly", timeout=5)
            if response.status_code == 200:
                deployment = response.json()
            else:
                assert serving.poll() is None, serving.stderr.read()
                time.sleep(1)
        assert deployment is not None, "the nightly deployment was never registered"
        [schedule] = deployment["schedules"]
        assert schedule["schedule"]["cron"] == "0 2 * * *"
        assert schedule["schedule"]["timezone"] == "Asia/Shanghai"
        assert schedule["active"] is True
    finally:
        for process in (serving, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def test_ogi_serve_without_a_prefect_server_says_how_to_start_one(cli_env):
    result = _ogi("serve", env=cli_env)
    assert result.returncode == 1
    assert "prefect server start" in result.stderr
