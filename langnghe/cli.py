"""The `langnghe` command: one composition root for every process the project runs."""

from __future__ import annotations

import sys

import typer

from faq.cli import app as faq_app

app = typer.Typer(help="Lắng Nghe — citizen engagement for police units.", no_args_is_help=True)
app.add_typer(faq_app, name="faq")


def _prompted_lines():
    while True:
        try:
            yield input("Bạn: ")
        except (EOFError, KeyboardInterrupt):
            return


@app.command()
def chat() -> None:
    """Chat with the FAQ in the terminal (Vietnamese)."""
    from faq.assistant import Faq
    from langnghe.terminal_chat import run

    lines = _prompted_lines() if sys.stdin.isatty() else (line for line in sys.stdin)
    run(Faq.from_directory(), lines, lambda message: typer.echo(f"\n{message}\n"))


def main() -> None:
    app()
