"""Keeping passwords out of everything ogi prints, logs and publishes.

The database password comes from OGI_DATABASE_URL (in the user part or as ?password=); it could
surface through a URL echoed in a message, a driver error quoting its connection string, a
traceback, or a log line of Prefect's. Output passes through redact_text where ogi writes it
(CLI messages, run summaries, artifacts), and every log record of the process is redacted when
it is created (install_log_redaction), whoever logs it.
"""

from __future__ import annotations

import logging
import os
import re
from urllib.parse import parse_qs, unquote, urlsplit

MASK = "***"
# Passwords this short also occur as ordinary text; they are still hidden inside URLs (below).
_MIN_FREE_TEXT = 4
# user:password@ in any URL, and password=… in a query or a libpq connection string.
_USERINFO = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^\s:/@]*:)(?P<password>[^\s@/]+)(?P<tail>@)", re.IGNORECASE)
# The placeholder of usage messages ("postgresql://user:password@host/db") is no secret; a real
# password "password" is a known secret and masked before this applies.
_PLACEHOLDER = "password"
_PASSWORD_PARAM = re.compile(r"(?P<head>\bpassword\s*=\s*'?)[^\s&'\"]+", re.IGNORECASE)


def url_passwords(url: str | None) -> set[str]:
    """The password a database URL carries, as written and percent-decoded."""
    if not url:
        return set()
    found = set()
    try:
        parts = urlsplit(url.strip())
        if parts.password:
            found.add(parts.password)
        found.update(parse_qs(parts.query).get("password", []))
    except ValueError:  # a malformed URL: take what looks like a password by hand
        match = re.search(r"://[^:/@]*:([^@]+)@", url)
        if match:
            found.add(match.group(1))
    return {p for raw in found for p in (raw, unquote(raw)) if p}


def secrets_from_env() -> set[str]:
    return url_passwords(os.environ.get("OGI_DATABASE_URL"))


def redact_text(text: str, secrets: set[str] | None = None) -> str:
    """The text with the known passwords and any URL or connection-string password masked."""
    if not text:
        return text
    for secret in sorted(secrets_from_env() if secrets is None else secrets, key=len, reverse=True):
        if len(secret) >= _MIN_FREE_TEXT:
            text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: m[0] if m["password"] == _PLACEHOLDER else m["head"] + MASK + m["tail"], text)
    return _PASSWORD_PARAM.sub(lambda m: m["head"] + MASK, text)


_installed = False


def install_log_redaction() -> None:
    """Redact every log record created in this process from now on (message, arguments and
    traceback), through the record factory: filters on loggers miss records that other loggers
    propagate, and Prefect brings its own handlers."""
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def redacting_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call is the logger's problem, not ours
            return record
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact_text(text)
            record.exc_info = None if record.exc_text != text else record.exc_info
        return record

    logging.setLogRecordFactory(redacting_record)
