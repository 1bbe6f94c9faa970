"""`langnghe broadcasts list|status`: campaigns in the terminal (rich tables and a progress bar),
read straight from the database with the same services the web view uses."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
from rich.table import Table
from sqlmodel import Session, col, select

from feedback_api.broadcasts import progress
from feedback_api.broadcasts.models import Broadcast
from feedback_api.db import engine_for
from feedback_api.settings import Settings


def print_list(settings: Settings, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="Campaigns")
    for name in ("#", "title", "status", "recipients", "scheduled", "created"):
        table.add_column(name)
    with Session(engine_for(settings)) as db:
        for b in db.exec(select(Broadcast).order_by(col(Broadcast.id).desc())):
            table.add_row(
                str(b.id),
                b.title,
                b.status,
                str(b.recipients),
                b.scheduled_at.isoformat(timespec="minutes") if b.scheduled_at else "on approval",
                b.created_at.isoformat(timespec="minutes"),
            )
    console.print(table)


def _eta(seconds: float | None) -> str:
    if not seconds:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m {secs:02d}s"


def _render(console: Console, p) -> None:
    bar = Progress(
        TextColumn(f"[bold]#{p.broadcast_id}[/] {p.status}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn(f"{p.done}/{p.total}"),
        console=console,
        auto_refresh=False,
    )
    bar.add_task("send", total=max(p.total, 1), completed=p.done)
    console.print(bar.get_renderable())
    table = Table(show_header=True)
    for name in ("sent", "failed", "blocked", "unknown", "skipped", "cancelled", "pending"):
        table.add_column(name, justify="right")
    table.add_column("rate/s", justify="right")
    table.add_column("ETA", justify="right")
    table.add_row(
        *(str(getattr(p, n)) for n in ("sent", "failed", "blocked", "unknown", "skipped")),
        str(p.cancelled),
        str(p.pending),
        f"{p.rate:.1f}",
        _eta(p.eta_seconds),
    )
    console.print(table)
    for reason, n in sorted(p.skipped_reasons.items()):
        console.print(f"skipped, {reason}: {n}")
    if p.unknown:
        console.print(
            f"[yellow]{p.unknown} deliveries are unknown: a worker stopped while sending them; "
            "they may or may not have arrived and are never re-sent.[/]"
        )


def print_status(
    settings: Settings, broadcast_id: int, *, follow: bool = False, console: Console | None = None
) -> bool:
    console = console or Console()
    engine = engine_for(settings)
    while True:
        with Session(engine) as db:
            broadcast = db.get(Broadcast, broadcast_id)
            if broadcast is None:
                return False
            p = progress.of(db_session=db, broadcast=broadcast, settings=settings)
        _render(console, p)
        if not follow or p.status in ("done", "cancelled"):
            return True
        time.sleep(2)
