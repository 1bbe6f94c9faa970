"""`langnghe faq ...`: ask, evaluate and check the knowledge base from a terminal."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from faq.assistant import Faq
from faq.evaluation import evaluate, read_cases
from faq.knowledge import DEFAULT_DIR, KnowledgeBaseError, check, load
from faq.legal import DEFAULT_DOCUMENTS, Finding, read_documents, review

app = typer.Typer(
    help="Hỏi đáp pháp luật: the knowledge base and its matcher.", no_args_is_help=True
)

KbDir = Annotated[Path, typer.Option("--kb", help="Knowledge base directory.")]
DocsFile = Annotated[Path, typer.Option("--documents", help="The legal documents register (YAML).")]
Today = Annotated[
    str | None, typer.Option("--today", help="Review as of this date (YYYY-MM-DD); default today.")
]


def _today(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        typer.echo(f"--today: not a date (YYYY-MM-DD): {value!r}", err=True)
        raise typer.Exit(2) from None


def _findings(kb: Path, documents: Path, today: dt.date) -> list[Finding]:
    register, _ = read_documents(documents)
    return review(load(kb, strict=False), register, today)


def _load(kb: Path) -> Faq:
    try:
        return Faq.from_directory(kb)
    except KnowledgeBaseError as exc:
        typer.echo(f"The knowledge base in {kb} has faults:\n{exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def ask(
    text: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    kb: KbDir = DEFAULT_DIR,
) -> None:
    """Match one question and show the answer."""
    faq = _load(kb)
    answer = faq.ask(text)
    if as_json:
        typer.echo(json.dumps(answer.as_json(), ensure_ascii=False))
        return
    if answer.emergency:
        typer.echo("⚠ KHẨN CẤP — gọi ngay 113 (Công an), 114 (Cứu hỏa), 115 (Cấp cứu).")
    if answer.redirect:
        typer.echo(f"[chuyển: {answer.redirect.id}] {answer.redirect.agency}")
        typer.echo(answer.redirect.contact)
    elif answer.menu:
        choices = " · ".join(label for _, label in answer.menu.choices)
        typer.echo(f"[nhóm: {answer.menu.family}] Bạn muốn hỏi về: {choices}")
    elif answer.entry:
        typer.echo(f"[{answer.id} · {answer.score:.2f}] {answer.entry.title}\n")
        typer.echo(f"{answer.entry.summary}\n\n{answer.entry.answer}")
        basis = faq.legal_basis(answer.entry)
        if basis:
            typer.echo("\nCăn cứ pháp lý:\n" + "\n".join(f"• {line}" for line in basis))
    else:
        typer.echo(f"Không tìm thấy câu trả lời chắc chắn (điểm {answer.score:.2f}).")
    for alternative in answer.alternatives:
        typer.echo(f"  · {alternative.id} ({alternative.score:.2f})")


@app.command("eval")
def eval_(
    file: Annotated[Path, typer.Argument(help='JSONL: {"q": ..., "expect": id|null|"EMERGENCY"}')],
    as_json: Annotated[bool, typer.Option("--json", help="End with one JSON line.")] = False,
    show_misses: Annotated[bool, typer.Option("--misses", help="List every miss.")] = False,
    kb: KbDir = DEFAULT_DIR,
) -> None:
    """Measure accuracy, rejection, emergency recall and latency on a question set."""
    if not file.is_file():
        typer.echo(f"{file}: no such file", err=True)
        raise typer.Exit(2)
    faq = _load(kb)
    cases, errors = read_cases(file, {entry.id for entry in faq.entries})
    for error in errors:
        typer.echo(f"{file}: {error}", err=True)
    report, misses = evaluate(faq, cases)
    if show_misses:
        for miss in misses:
            typer.echo(
                f"  line {miss.line}: expect={miss.expect} got={miss.got} "
                f"score={miss.score:.2f} emergency={miss.emergency} | {miss.question}"
            )
    if as_json:
        typer.echo(json.dumps(report.as_json()))
    else:
        typer.echo(
            f"questions                 {report.n}\n"
            f"in-scope top-1 accuracy   {report.in_scope_accuracy:.3f}\n"
            f"out-of-scope rejection    {report.oos_rejection:.3f}\n"
            f"emergency recall          {report.emergency_recall:.3f}\n"
            f"emergency false alarms    {report.emergency_false_alarm:.3f}\n"
            f"latency p50 / p99 (ms)    {report.p50_ms:.3f} / {report.p99_ms:.3f}\n"
            "outcomes                  "
            + ", ".join(f"{name} {count}" for name, count in report.outcomes.items())
        )
        for kind, figures in report.per_kind.items():
            typer.echo(f"  kind {kind:22} {figures['accuracy']:.3f} of {figures['n']}")
    if errors:
        raise typer.Exit(1)


@app.command("check")
def check_(
    kb: KbDir = DEFAULT_DIR, documents: DocsFile = DEFAULT_DOCUMENTS, today: Today = None
) -> None:
    """Validate the knowledge base; exits non-zero and lists every fault.

    Entries citing a superseded document or not reviewed for over 12 months are warnings:
    the answer may still be right, but the legal officer should look (`faq stale`).
    """
    as_of = _today(today)
    faults = check(kb, documents=documents)
    if faults:
        typer.echo(f"{len(faults)} fault(s) in {kb}:", err=True)
        for fault in faults:
            typer.echo(f"  - {fault}", err=True)
        raise typer.Exit(1)
    findings = _findings(kb, documents, as_of)
    for finding in findings:
        for reason in finding.reasons():
            typer.echo(f"warning: {finding.entry_id}: {reason}", err=True)
    suffix = f" ({len(findings)} entries to review: langnghe faq stale)" if findings else ""
    typer.echo(f"OK: {kb} is valid.{suffix}")


@app.command("stale")
def stale(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    kb: KbDir = DEFAULT_DIR,
    documents: DocsFile = DEFAULT_DOCUMENTS,
    today: Today = None,
) -> None:
    """List the entries the legal officer should re-read: superseded citations, old reviews."""
    as_of = _today(today)
    findings = _findings(kb, documents, as_of)
    if as_json:
        payload = {"today": as_of.isoformat(), "entries": [f.as_json() for f in findings]}
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    if not findings:
        typer.echo(f"Nothing to review as of {as_of.isoformat()}.")
        return
    typer.echo(f"{'id':<24} {'last reviewed':<13} reason")
    for finding in findings:
        for index, reason in enumerate(finding.reasons()):
            left = f"{finding.entry_id:<24} {finding.last_reviewed.isoformat():<13}"
            typer.echo(f"{left if index == 0 else ' ' * 38} {reason}")
    typer.echo(f"\n{len(findings)} entries to review as of {as_of.isoformat()}.")
