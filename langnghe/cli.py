"""The `langnghe` command: one entry point for every process and admin task of the project."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from faq.cli import app as faq_app

app = typer.Typer(help="Lắng Nghe — citizen engagement for police units.", no_args_is_help=True)
app.add_typer(faq_app, name="faq")
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
units_app = typer.Typer(help="Police units (province → commune/ward).", no_args_is_help=True)
officers_app = typer.Typer(help="Officer accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(units_app, name="units")
app.add_typer(officers_app, name="officers")
forums_app = typer.Typer(help='Forums "Công an lắng nghe ý kiến Nhân dân".', no_args_is_help=True)
app.add_typer(forums_app, name="forums")


def _settings():
    from pydantic import ValidationError

    from feedback_api.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:  # includes InsecureSettingsError raised by the validator
        for error in exc.errors():
            typer.echo(str(error.get("msg", error)).removeprefix("Value error, "), err=True)
        raise typer.Exit(2) from None


def _engine():
    from feedback_api.db import engine_for

    return engine_for(_settings())


def _prompted_lines():
    while True:
        try:
            yield input("Bạn: ")
        except (EOFError, KeyboardInterrupt):
            return


@app.command()
def chat() -> None:
    """Talk to the bot in the terminal (Vietnamese): the same engine, numbered choices."""
    import asyncio

    from bot.contacts import ContactRegistry
    from bot.settings import BotSettings
    from bot.state import SqlStateStore
    from bot.storage import make_bot_engine
    from faq.assistant import Faq
    from feedback_api.bootstrap import prepare
    from feedback_api.client import FeedbackClient
    from feedback_api.db import engine_for
    from feedback_api.main import create_app
    from handlers.engine import Engine
    from handlers.flows.common import Deps
    from handlers.knowledge import LiveFaq
    from langnghe.terminal_chat import run

    settings = _settings()
    database = engine_for(settings)
    first_admin = prepare(database)
    if first_admin:
        typer.echo(
            f"(Tài khoản quản trị đầu tiên: {first_admin.username} / "
            f"{first_admin.password} — chỉ hiện một lần.)"
        )
    client = FeedbackClient.in_process(
        create_app(settings, engine=database), settings.service_token
    )
    bot_settings = BotSettings()
    bot_db = make_bot_engine(bot_settings.resolved_bot_database_url)
    live = LiveFaq(Faq.from_directory(), client, check_seconds=bot_settings.knowledge_check_seconds)
    deps = Deps(
        faq=live,
        api=client,
        citizen_refs=ContactRegistry(bot_db).citizen_ref,
        files={},
        refresh_faq=live.refresh_if_due,
    )
    engine = Engine(deps, SqlStateStore(bot_db))
    lines = _prompted_lines() if sys.stdin.isatty() else (line for line in sys.stdin)

    async def talk() -> None:
        try:
            await run(engine, lines, lambda message: typer.echo(f"\n{message}\n"))
        finally:
            await client.aclose()

    asyncio.run(talk())


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    demo_units: Annotated[bool, typer.Option(help="Load demo units on an empty DB.")] = True,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes sharing the port (needs PostgreSQL).")
    ] = 1,
) -> None:
    """Migrate, seed a fresh database, and serve the API, officer view and web chat."""
    import uvicorn

    from bot.settings import BotSettings
    from feedback_api.bootstrap import prepare
    from feedback_api.db import engine_for
    from feedback_api.ops.heap import freeze_startup_heap
    from langnghe.server import build_app

    settings = _settings()
    bot_settings = BotSettings()
    if workers > 1:
        _check_shareable(settings, bot_settings)
    engine = engine_for(settings)
    first_admin = prepare(engine, demo_units=demo_units)
    engine.dispose()
    host = host or settings.host
    port = port or settings.port
    base = (
        settings.public_url or f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    )
    typer.echo(f"\nLắng Nghe đang chạy — database: {settings.resolved_database_url}")
    typer.echo(f"  Web chat (người dân):   {base}/")
    typer.echo(f"  Trang cán bộ:           {base}/officer")
    typer.echo(f"  API (OpenAPI):          {base}/docs")
    if workers > 1:
        typer.echo(f"  Tiến trình máy chủ:     {workers}")
    if bot_settings.telegram_token.get_secret_value():
        mode = "webhook" if bot_settings.public_url else "polling"
        typer.echo(f"  Telegram:               bật ({mode})")
    else:
        typer.echo("  Telegram:               tắt (đặt LANGNGHE_TELEGRAM_TOKEN để bật)")
    if bot_settings.zalo_enabled:
        typer.echo(f"  Zalo OA:                bật (webhook {base}/zalo/webhook)")
    else:
        typer.echo(
            "  Zalo OA:                tắt (đặt LANGNGHE_ZALO_APP_ID, LANGNGHE_ZALO_APP_SECRET,"
            " LANGNGHE_ZALO_OA_SECRET_KEY để bật)"
        )
    if first_admin:
        typer.echo("\n  Tài khoản quản trị đầu tiên (chỉ hiện MỘT lần, hãy đổi mật khẩu):")
        typer.echo(f"    tên đăng nhập: {first_admin.username}")
        typer.echo(f"    mật khẩu:      {first_admin.password}\n")
    # Proxy headers are read by feedback_api.clientaddr from trusted proxies only; uvicorn's
    # own handling would believe any loopback peer.
    # One process: the app built here. Several: uvicorn starts `workers` processes on the same
    # socket, each building its own app from the environment (the factory), after the
    # migrations and seeding above ran once.
    server_app = None
    if workers == 1:
        server_app = build_app(settings)
        freeze_startup_heap()  # each worker of several does it in app_from_environment
    uvicorn.run(
        server_app if server_app is not None else "langnghe.server:app_from_environment",
        factory=workers > 1,
        workers=workers if workers > 1 else None,
        host=host,
        port=port,
        log_level="info",
        # JSON logs are configured by create_app (feedback_api.ops.logs); uvicorn keeps out.
        log_config=None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
        proxy_headers=False,
    )


def _check_shareable(settings, bot_settings) -> None:
    """Several server processes share everything through PostgreSQL (both databases); a
    long-polling Telegram bot cannot be shared (Telegram answers a second getUpdates 409)."""
    problems = []
    if settings.resolved_database_url.startswith("sqlite"):
        problems.append("LANGNGHE_DATABASE_URL must point at PostgreSQL")
    if bot_settings.resolved_bot_database_url.startswith("sqlite"):
        problems.append("LANGNGHE_BOT_DATABASE_URL must point at PostgreSQL")
    if bot_settings.telegram_token.get_secret_value() and not bot_settings.public_url:
        problems.append(
            "Telegram without LANGNGHE_PUBLIC_URL long-polls: run it as one `langnghe bot "
            "--polling` process, not in several servers"
        )
    if problems:
        typer.echo("--workers > 1: " + "; ".join(problems) + ".", err=True)
        raise typer.Exit(2)


@app.command()
def bot(
    polling: Annotated[bool, typer.Option("--polling", help="Long-poll Telegram (dev).")] = False,
) -> None:
    """Run the Telegram bot without the web server (development: --polling)."""
    import asyncio

    from bot.settings import BotSettings
    from feedback_api.bootstrap import prepare
    from feedback_api.db import engine_for
    from langnghe.server import build_app

    if not polling:
        typer.echo("Webhook mode is served by `langnghe serve`; use --polling here.", err=True)
        raise typer.Exit(2)
    bot_settings = BotSettings()
    if not bot_settings.telegram_token.get_secret_value():
        typer.echo("Set LANGNGHE_TELEGRAM_TOKEN first.", err=True)
        raise typer.Exit(2)
    settings = _settings()
    prepare(engine_for(settings))
    server_app = build_app(settings, bot_settings, poll_telegram=True)

    async def run() -> None:
        async with server_app.router.lifespan_context(server_app):
            typer.echo("Polling Telegram; press Ctrl+C to stop.")
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


@app.command()
def worker(
    lease_seconds: Annotated[
        int | None, typer.Option(help="Lease of a claimed batch (default: settings).")
    ] = None,
) -> None:
    """Deliver campaigns and queued replies as a process of its own (run several on PostgreSQL:
    they share the work and the overall rate through the database)."""
    from langnghe.worker import run

    run(_settings(), lease_seconds=lease_seconds)


broadcasts_app = typer.Typer(help="Campaigns to subscribers.", no_args_is_help=True)
app.add_typer(broadcasts_app, name="broadcasts")


@broadcasts_app.command("list")
def broadcasts_list() -> None:
    """Every campaign with its status and recipients."""
    from langnghe.broadcasts_cli import print_list

    print_list(_settings())


@broadcasts_app.command("status")
def broadcasts_status(
    broadcast_id: int,
    follow: Annotated[bool, typer.Option("--follow", help="Refresh until it ends.")] = False,
) -> None:
    """Progress of one campaign: a progress bar, counts per outcome, rate and ETA."""
    from langnghe.broadcasts_cli import print_status

    if not print_status(_settings(), broadcast_id, follow=follow):
        typer.echo(f"No campaign #{broadcast_id}.", err=True)
        raise typer.Exit(1)


@faq_app.command("export")
def faq_export(
    directory: Annotated[Path, typer.Argument(help="Where to write one YAML file per entry.")],
) -> None:
    """Write the live knowledge base (with officers' approved edits) as YAML files."""
    from sqlmodel import Session

    from feedback_api.knowledge.export import export
    from feedback_api.knowledge.seeding import seed_if_empty
    from feedback_api.migrate import upgrade

    engine = _engine()
    upgrade(engine)
    with Session(engine) as db:
        seed_if_empty(db_session=db)
        version, written = export(db_session=db, directory=directory)
    typer.echo(f"Wrote {len(written)} entries (live version {version}) to {directory}.")
    typer.echo(f"Check them with: langnghe faq check --kb {directory}")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from feedback_api.migrate import upgrade

    upgrade(_engine(), revision)
    typer.echo("Database schema is up to date.")


def _read_utf8(file: Path) -> str:
    """A data file's text, or a clear error and exit code 2 (nothing is imported)."""
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"{file}: cannot read as UTF-8 text ({exc})", err=True)
        raise typer.Exit(2) from None


def _import_all_or_nothing(file: Path, importer):
    """Read `file`, migrate, run `importer(db_session=..., text=...)`; on a UnitError say why
    and exit 1 (the importer has kept nothing)."""
    from sqlmodel import Session

    from feedback_api.migrate import upgrade
    from feedback_api.units.service import UnitError

    text = _read_utf8(file)
    engine = _engine()
    upgrade(engine)
    with Session(engine) as db:
        try:
            return importer(db_session=db, text=text)
        except UnitError as exc:
            typer.echo(f"{file}: nothing imported:\n{exc}", err=True)
            raise typer.Exit(1) from None


@units_app.command("import")
def units_import(file: Path) -> None:
    """Import units from a CSV file: code,name,kind,parent_code and optional lat,lon."""
    from feedback_api.units.service import import_csv

    result = _import_all_or_nothing(file, import_csv)
    typer.echo(
        f"Imported {result.created} unit(s); {result.skipped} already existed"
        + (f" ({result.centres_updated} centre(s) updated)." if result.centres_updated else ".")
    )


@units_app.command("import-boundaries")
def units_import_boundaries(file: Path) -> None:
    """Import commune/ward boundaries from a GeoJSON FeatureCollection (property `code`)."""
    from feedback_api.units.boundaries import import_geojson

    result = _import_all_or_nothing(file, import_geojson)
    typer.echo(
        f"Imported boundaries of {result.updated} unit(s); "
        f"{result.centres_added} centre(s) taken from their boundaries."
    )


@officers_app.command("create")
def officers_create(
    username: str,
    role: Annotated[str, typer.Option(help="admin | officer | campaign | leader")],
    unit: Annotated[str, typer.Option(help="Unit code, e.g. DEMO-ANBINH")],
    full_name: Annotated[str, typer.Option("--name", help="Full name")] = "",
    password: Annotated[str | None, typer.Option(help="Default: generated and printed")] = None,
) -> None:
    """Create an officer account attached to a unit."""
    from pydantic import ValidationError
    from sqlmodel import Session

    from feedback_api import onetime
    from feedback_api.migrate import upgrade
    from feedback_api.officers import service
    from feedback_api.officers.schemas import OfficerCreate
    from feedback_api.units.service import get_by_code

    engine = _engine()
    upgrade(engine)
    generated = password is None
    password = password or onetime.temporary_password()
    with Session(engine, expire_on_commit=False) as db:
        found = get_by_code(db_session=db, code=unit)
        if found is None:
            typer.echo(f"No unit with code {unit!r}.", err=True)
            raise typer.Exit(1)
        try:
            data = OfficerCreate(
                username=username,
                full_name=full_name or username,
                role=role,
                unit_id=found.id,
                password=password,
            )
            service.create(db_session=db, data=data, actor=None)
        except (ValidationError, service.OfficerError) as exc:
            typer.echo(f"Cannot create {username!r}: {exc}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"Created {role} {username!r} in {found.name}.")
    if generated:
        typer.echo(f"Password (shown once): {password}")


@app.command()
def report(
    unit: Annotated[str, typer.Option(help="Unit code; the report covers it and its subtree")],
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (Vietnam)")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (included)")],
    xlsx: Annotated[Path, typer.Option(help="Excel file to write")],
) -> None:
    """Write a unit's report (tips, questions, opinions, subscribers) as an Excel workbook."""
    import datetime as dt

    from sqlmodel import Session

    from feedback_api.migrate import upgrade
    from feedback_api.reports import service, workbook
    from feedback_api.units.service import get_by_code

    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        typer.echo("Dates must be YYYY-MM-DD.", err=True)
        raise typer.Exit(2) from None
    engine = _engine()
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as db:
        found = get_by_code(db_session=db, code=unit)
        if found is None:
            typer.echo(f"No unit with code {unit!r}.", err=True)
            raise typer.Exit(1)
        try:
            result = service.build(db_session=db, unit=found, start=first, end=last)
        except service.ReportError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
    try:
        xlsx.write_bytes(workbook.to_xlsx(result))
    except OSError as exc:
        typer.echo(f"{xlsx}: cannot write ({exc})", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"{found.name}, {first:%d/%m/%Y}-{last:%d/%m/%Y}: {result.tips_received} tip(s), "
        f"{result.questions_asked} question(s), {result.opinions_received} opinion(s), "
        f"{result.duplicates} duplicate(s) excluded -> {xlsx}"
    )


@forums_app.command("poster")
def forums_poster(
    forum_id: int,
    out: Annotated[Path, typer.Option(help="FILE.png or FILE.pdf (A4)")],
) -> None:
    """Draw a forum's printable A4 poster with its QR code (PNG or PDF, by the file name)."""
    from sqlmodel import Session

    from feedback_api.forums import service
    from feedback_api.forums.models import Forum
    from feedback_api.forums.poster import PosterFontMissing
    from feedback_api.migrate import upgrade

    kind = out.suffix.lower().lstrip(".")
    if kind not in {"png", "pdf"}:
        typer.echo("--out must end in .png or .pdf", err=True)
        raise typer.Exit(2)
    settings = _settings()
    engine = _engine()
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as db:
        forum = db.get(Forum, forum_id)
        if forum is None:
            typer.echo(f"No forum #{forum_id}.", err=True)
            raise typer.Exit(1)
        try:
            content = service.poster(db_session=db, settings=settings, forum=forum, kind=kind)
        except (service.ForumError, PosterFontMissing) as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
    try:
        out.write_bytes(content)
    except OSError as exc:
        typer.echo(f"{out}: cannot write ({exc})", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Poster of {forum.title!r} -> {out}")


@officers_app.command("reset-password")
def officers_reset_password(username: str) -> None:
    """Give an officer a one-time password (printed once) to be changed at the next login.

    The way back in when the only admin forgot or mistyped their password: whoever runs this
    command on the server already controls it. The account is unlocked and its sessions end."""
    from sqlmodel import Session

    from feedback_api.migrate import upgrade
    from feedback_api.officers import service
    from feedback_api.permissions import NotFound

    engine = _engine()
    try:
        upgrade(engine)
        with Session(engine, expire_on_commit=False) as db:
            try:
                password = service.reset_password(db_session=db, username=username)
            except NotFound:
                typer.echo(f"No officer with username {username!r}.", err=True)
                raise typer.Exit(1) from None
            officer = service.get_by_username(db_session=db, username=username.strip().lower())
    finally:
        engine.dispose()
    typer.echo(f"One-time password for {officer.username!r} (shown once): {password}")
    typer.echo("It must be changed at the next login.")
    if not officer.active:
        typer.echo("Warning: this account is deactivated; an admin must reactivate it.", err=True)


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="Backup file to write (replaced if present).")],
) -> None:
    """Back up the database while it runs (SQLite online backup; pg_dump -Fc on PostgreSQL)."""
    from feedback_api.ops.backup import BackupError, backup

    settings = _settings()
    try:
        backup(settings.resolved_database_url, file)
    except BackupError as exc:
        typer.echo(f"Backup failed: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Backed up the database to {file} ({file.stat().st_size} bytes).")
    typer.echo(f"Attachments are files: back up {settings.resolved_attachments_dir} too.")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A file written by `langnghe backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the database with a backup. Stop the server and workers first."""
    from feedback_api.ops.backup import BackupError, restore

    settings = _settings()
    if not yes and not typer.confirm(
        f"Replace the database {settings.resolved_database_url} with {file}?"
    ):
        raise typer.Exit(1)
    try:
        restore(settings.resolved_database_url, file)
    except BackupError as exc:
        typer.echo(f"Restore failed: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Restored the database from {file}. Run `langnghe db upgrade` if it is older.")


@app.command("purge")
def purge_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say what would be deleted.")
    ] = False,
) -> None:
    """Delete closed submissions past their retention (LANGNGHE_RETENTION_MONTHS), with their
    attachments; the audit log is kept and records each purge."""
    from sqlmodel import Session

    from feedback_api.ops import retention

    settings = _settings()
    if not settings.retention_months:
        typer.echo("No retention rules (LANGNGHE_RETENTION_MONTHS is empty): nothing to purge.")
        return
    engine = _engine()
    try:
        with Session(engine, expire_on_commit=False) as db:
            run = retention.plan if dry_run else retention.purge
            found = run(
                db_session=db,
                rules=settings.retention_months,
                attachments_root=settings.resolved_attachments_dir,
            )
    finally:
        engine.dispose()
    verb = "Would delete" if dry_run else "Deleted"
    for rule in found.rules:
        typer.echo(
            f"{rule.rule} closed before {rule.cutoff:%Y-%m-%d} ({rule.months} months): "
            f"{verb.lower()} {len(rule.submission_ids)} submission(s), "
            f"{rule.attachments} attachment(s)"
        )
    typer.echo(
        f"{verb} {found.submissions} submission(s), {found.attachments} attachment(s), "
        f"{len(found.files)} file(s)."
    )


def main() -> None:
    app()
