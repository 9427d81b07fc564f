"""Where ogi keeps its state, from the environment."""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
SQL_DIR = REPO_ROOT / "sql"
MIGRATIONS_DIR = REPO_ROOT / "migrations"


def ogi_home() -> Path:
    """The data folder: OGI_HOME, else the platform's user data folder (~/.local/share/ogi)."""
    configured = os.environ.get("OGI_HOME")
    if configured:
        # A relative value is resolved against the working folder of the moment, as before.
        return _resolved(configured, None if os.path.isabs(os.path.expanduser(configured)) else os.getcwd())
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR even when asked for the data folder.
        warnings.simplefilter("ignore")
        import platformdirs

        return platformdirs.user_data_path("ogi")


@lru_cache(maxsize=16)
def _resolved(configured: str, cwd: str | None) -> Path:
    # Once per value: the archive asks for its folder for every file a run reads, and resolving
    # takes a system call per folder above it (10,000 `realpath`s in a run of 10,000 files).
    path = Path(configured).expanduser()
    return (path if cwd is None else Path(cwd) / path).resolve()


def database_url_from_env() -> str | None:
    return os.environ.get("OGI_DATABASE_URL") or None
