"""Progress on long runs: a bar on a terminal, plain lines in logs and CI."""

from __future__ import annotations

import sys
import time

from etl.pipeline import ReportOutcome


class Progress:
    """Counts outcomes as batches finish. Quarantined and missing reports are always named:
    they need a person's attention. Small runs list every report."""

    def __init__(self, total: int, label: str = "reports", every_report: bool | None = None, stream=None):
        self.total = total
        self.done = 0
        self.label = label
        self.stream = stream or sys.stderr
        self.every_report = total <= 50 if every_report is None else every_report
        self.started = time.monotonic()
        self._last_line = self.started
        self.every_s = 5.0
        self._bar = None
        if self.stream.isatty() and not self.every_report:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TimeRemainingColumn

            self._bar = RichProgress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                                     TimeRemainingColumn(), transient=True)
            self._task = self._bar.add_task(label, total=total)
            self._bar.start()

    def advance(self, outcomes: list[ReportOutcome]) -> None:
        for outcome in outcomes:
            self.done += 1
            if self.every_report or outcome.status == "quarantined" or outcome.action in ("missing", "conflict"):
                self._line(f"[{self.done}/{self.total}] {outcome.action:<11} {outcome.describe}  ← {outcome.source_uri}")
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
        elif not self.every_report and (self.done == self.total or time.monotonic() - self._last_line >= self.every_s):
            # Outcomes now arrive one report at a time: a log gets a line every few seconds.
            self._last_line = time.monotonic()
            rate = self.done / max(time.monotonic() - self.started, 1e-9)
            self._line(f"[{self.done}/{self.total}] {self.label} processed ({rate:.0f}/s)")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()

    def _line(self, text: str) -> None:
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=self.stream, flush=True)
