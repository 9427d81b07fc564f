"""A quality issue: one problem found in a report, worded for a person who has to act on it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    table_name: str  # article20 | applications | review_litigation | report
    check_code: str
    severity: str  # error | warning
    detail: str
    expected: Decimal | None = None
    actual: Decimal | None = None

    def as_row(self) -> dict:
        return asdict(self)
