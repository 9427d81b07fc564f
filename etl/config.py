"""Where ogi keeps its state, from the environment."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
SQL_DIR = REPO_ROOT / "sql"
MIGRATIONS_DIR = REPO_ROOT / "migrations"


def ogi_home() -> Path:
    """The data folder: OGI_HOME, else the platform's user data folder (~/.local/share/ogi)."""
    configured = os.environ.get("OGI_HOME")
    if configured:
        return Path(configured).expanduser().resolve()
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR even when asked for the data folder.
        warnings.simplefilter("ignore")
        import platformdirs

        return platformdirs.user_data_path("ogi")


def database_url_from_env() -> str | None:
    return os.environ.get("OGI_DATABASE_URL") or None
