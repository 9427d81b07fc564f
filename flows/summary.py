"""The run summary as a Prefect artifact, so a scheduled run's result is visible in Prefect's UI."""

from __future__ import annotations

from dataclasses import asdict

from prefect.artifacts import create_markdown_artifact

from etl.pipeline import RunSummary
from etl.redaction import redact_text


def publish_summary(summary: RunSummary, key: str = "ogi-run-summary") -> dict:
    create_markdown_artifact(markdown=redact_text(summary.markdown()), key=key, description="ogi run summary")
    return asdict(summary)
