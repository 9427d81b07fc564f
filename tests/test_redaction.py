"""Passwords from OGI_DATABASE_URL never appear in ogi's output, logs or error messages."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from etl.database import redact
from etl.redaction import install_log_redaction, redact_text, url_passwords

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "Ogi-test-S3cret"


def with_password(url: str) -> tuple[str, str]:
    """The URL with a password, and that password: the one it has, else a made-up one (a server
    that trusts its local connections ignores it; the output must hide it all the same)."""
    parts = urlsplit(url)
    if parts.password:
        return url, parts.password
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user or 'postgres'}:{PASSWORD}@{host}")), PASSWORD


def test_urls_and_texts_are_redacted():
    assert redact("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"
    assert redact("postgresql://u@h/db?sslmode=require&password=secret") == "postgresql://u@h/db?sslmode=require&password=***"
    assert url_passwords("postgresql://u:p%40ss-word@h/db") == {"p%40ss-word", "p@ss-word"}
    text = "failed for postgresql://u:p%40ss-word@h/db (password p@ss-word); dsn: host=h password='p@ss-word' user=u"
    redacted = redact_text(text, url_passwords("postgresql://u:p%40ss-word@h/db"))
    assert "p@ss" not in redacted and "p%40ss" not in redacted
    assert redacted == "failed for postgresql://u:***@h/db (password ***); dsn: host=h password='***' user=u"
    # Any URL's password, known or not; ordinary text stays as it was.
    assert redact_text("see https://bob:hunter2@example.org/x", set()) == "see https://bob:***@example.org/x"
    assert redact_text("2021年度报告 http://example.org/a:b@c", set()) == "2021年度报告 http://example.org/a:b@c"
    usage = "expected postgresql://user:password@host:port/database"  # a placeholder, no secret
    assert redact_text(usage, set()) == usage
    assert redact_text(usage, {"password"}) == "expected postgresql://user:***@host:port/database"


def test_log_records_are_redacted_whoever_logs_them(monkeypatch):
    monkeypatch.setenv("OGI_DATABASE_URL", f"postgresql://ogi:{PASSWORD}@db.example/ogi")
    install_log_redaction()
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    logger = logging.getLogger("some.library")
    handler = Keep()
    logger.addHandler(handler)
    try:
        logger.error("could not connect with %s", f"password={PASSWORD}")
        try:
            raise RuntimeError(f"dsn was host=db.example password={PASSWORD}")
        except RuntimeError:
            logger.exception("task failed")
    finally:
        logger.removeHandler(handler)
    assert len(records) == 2 and "task failed" in records[1] and "RuntimeError" in records[1]
    assert not any(PASSWORD in r for r in records)


def _ogi(*args: str, url: str, debug: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OGI_"))}
    env.update(OGI_DATABASE_URL=url, OGI_HOME=os.environ["OGI_HOME"])
    if debug:
        env["OGI_DEBUG"] = "1"
    return subprocess.run([sys.executable, "-m", "etl.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_command_against_a_url_with_a_password_never_prints_it(new_database):
    url, password = with_password(new_database())
    result = _ogi("db", "upgrade", url=url)
    assert result.returncode == 0, result.stderr
    assert "ogi: database postgresql+psycopg://" in result.stderr and ":***@" in result.stderr
    assert password not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://ogi:{PASSWORD}@127.0.0.1:1/ogi",  # nothing listens: the driver's error path
        f"postgresql://ogi@127.0.0.1:5432/ogi?password={PASSWORD}&sslmode=bogus",
        f"postgresql://ogi:{PASSWORD}@127.0.0.1:notaport/ogi",
    ],
)
def test_failures_and_tracebacks_never_print_the_password(url):
    result = _ogi("db", "current", url=url, debug=True)  # the error line and the whole traceback
    assert result.returncode == 1
    assert "Error:" in result.stderr and "Traceback" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
