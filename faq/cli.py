"""`langnghe faq ...`: ask, evaluate and check the knowledge base from a terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from faq.assistant import Faq
from faq.evaluation import evaluate, read_cases
from faq.knowledge import DEFAULT_DIR, KnowledgeBaseError, check

app = typer.Typer(
    help="Hỏi đáp pháp luật: the knowledge base and its matcher.", no_args_is_help=True
)

KbDir = Annotated[Path, typer.Option("--kb", help="Knowledge base directory.")]


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
    answer = _load(kb).ask(text)
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
        typer.echo(answer.entry.answer)
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
            f"latency p50 / p99 (ms)    {report.p50_ms:.3f} / {report.p99_ms:.3f}"
        )
    if errors:
        raise typer.Exit(1)


@app.command("check")
def check_(kb: KbDir = DEFAULT_DIR) -> None:
    """Validate the knowledge base; exits non-zero and lists every fault."""
    faults = check(kb)
    if faults:
        typer.echo(f"{len(faults)} fault(s) in {kb}:", err=True)
        for fault in faults:
            typer.echo(f"  - {fault}", err=True)
        raise typer.Exit(1)
    typer.echo(f"OK: {kb} is valid.")
