"""The province-scale load benchmark runs end to end in its quick form: tips are stored once
each with one and two server processes, every inbox and search row answers, the webhook
replies, and the table is printed (benchmarks/load_bench.py --quick)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import require
from tests.feedback_api.conftest import _postgres_available

ROOT = Path(__file__).resolve().parents[2]


def test_load_bench_quick_prints_every_row_and_every_check_passes():
    require(_postgres_available(), "PostgreSQL at 127.0.0.1:5432")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "load_bench.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = done.stdout
    assert "| intake | PostgreSQL, 2 server processes |" in table
    assert "| intake | PostgreSQL, 1 server process |" in table
    assert "| intake | SQLite, 1 server process |" in table
    for label in ("web inbox page + tab counts", 'search q="lua dao"', "province, overdue=true"):
        assert f"SQLite: {label}" in table and f"PostgreSQL: {label}" in table
    assert "Telegram webhook" in table
    assert "FAILED" not in table
