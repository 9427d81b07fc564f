"""`ogi quality --html`: a static page with coverage by province and year, issues by check and the
worst reports, opened in headless Chromium: a screenshot, and the rendered DOM checked for the
numbers the warehouse holds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import lxml.html
import pytest
import sqlalchemy as sa

from etl.load import load_report
from etl.pipeline import process_files
from etl.quality_page import collect, render_html, render_text
from tests.conftest import seed_paths
from tests.test_provenance import read_fixture

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (make browser, or apt-get install chromium)")


@pytest.fixture
def loaded(engine):
    process_files(seed_paths(), engine)
    _fixture, _source, parsed = read_fixture("report_2021", "pdf")  # 苏州市 2022: a second year for 江苏
    load_report(engine, parsed)
    return engine


def _rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def _chromium(*args: str, tmp_path) -> subprocess.CompletedProcess:
    # Its own profile folder: parallel test runs must not share one.
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", *args],
        capture_output=True, text=True, timeout=120,
    )


def test_the_numbers_are_the_warehouse_numbers(loaded):
    data = collect(loaded)
    [(reports, loaded_count)] = _rows(loaded, "select count(*), count(*) filter (where status = 'loaded') from v_reports")
    assert (data.totals["reports"], data.totals["loaded"]) == (reports, loaded_count) == (6, 4)
    assert data.totals["errors"] == _rows(loaded, "select count(*) from v_quality_issues where severity = 'error'")[0][0]
    assert {(c["check_code"], c["table_name"]): c["issues"] for c in data.checks} == {
        (check, table): n for check, table, n in
        _rows(loaded, "select check_code, table_name, count(*) from v_quality_issues group by 1, 2")
    }
    assert data.coverage[("320000", 2020)]["reports"] == 1 and data.coverage[("320000", 2022)]["reports"] == 1
    assert data.years == [2018, 2020, 2022]
    assert data.worst[0]["errors"] == max(w["errors"] for w in data.worst) > 0
    text = render_text(data)
    assert "6 current report(s): 4 loaded" in text and "江苏省 320000" in text


@needs_chromium
def test_the_page_renders_in_headless_chromium_with_its_charts(loaded, tmp_path):
    data = collect(loaded)
    page = tmp_path / "quality.html"
    page.write_text(render_html(data), encoding="utf-8")
    assert "<script" not in page.read_text(encoding="utf-8") and "http" not in page.read_text(encoding="utf-8").replace(
        'xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched

    shot = tmp_path / "quality.png"
    done = _chromium(f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri(), tmp_path=tmp_path)
    assert shot.exists() and shot.stat().st_size > 10_000, done.stderr
    from PIL import Image

    colours = Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 24)
    red = sum(n for n, p in colours if abs(p[0] - 0xC0) < 8 and abs(p[1] - 0x39) < 8 and abs(p[2] - 0x2B) < 8)
    assert red > 1000, "the error bars are drawn"

    dom = _chromium("--dump-dom", page.as_uri(), tmp_path=tmp_path)
    assert dom.returncode == 0, dom.stderr
    tree = lxml.html.fromstring(dom.stdout)
    total = lambda key: tree.xpath(f'//*[@id="total-{key}"]/span[@class="n"]/text()')[0]  # noqa: E731
    assert (total("reports"), total("loaded"), total("errors")) == \
        (str(data.totals["reports"]), "4", str(data.totals["errors"]))
    cells = tree.xpath('//*[@id="coverage-chart"]//*[local-name()="rect" and @class="cov"]')
    assert len(cells) == len(data.provinces) * len(data.years) == 5 * 3
    jiangsu = {c.get("data-year"): c.get("data-reports") for c in cells if c.get("data-province") == "320000"}
    assert jiangsu == {"2018": "0", "2020": "1", "2022": "1"}
    bars = tree.xpath('//*[@id="checks-chart"]//*[local-name()="rect" and @class="bar"]')
    assert [int(b.get("data-value")) for b in bars] == [c["issues"] for c in data.checks]
    rows = tree.xpath('//tr[@class="check"]')
    assert {(r.get("data-check"), int(r.xpath("td[4]/text()")[0])) for r in rows} <= \
        {(c["check_code"], c["issues"]) for c in data.checks}
    worst = tree.xpath('//tr[@class="worst"]')
    assert [int(r.get("data-report")) for r in worst] == [w["report_id"] for w in data.worst]
    assert int(worst[0].xpath("td[6]/text()")[0]) == data.worst[0]["errors"]


def test_ogi_quality_command(loaded, warehouse_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGI_")}
    env.update(OGI_DATABASE_URL=warehouse_url, OGI_HOME=os.environ["OGI_HOME"])
    out = tmp_path / "q.html"
    done = subprocess.run([sys.executable, "-m", "etl.cli", "quality", "--html", str(out)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "6 report(s)" in done.stdout and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
