"""Thi tìm hiểu pháp luật — a legal-knowledge quiz: intro → one question at a time (buttons) →
optional display name → score, then each correct answer with its legal basis and explanation.

The answers are kept in the conversation and sent once at the end: the server scores them,
enforces one attempt per citizen and the closing time at that moment."""

from __future__ import annotations

from feedback_api.client import FeedbackApiError, NotFoundError
from feedback_api.quizzes.schemas import AttemptCreate
from handlers.events import Button, EventKind, OutboundMessage
from handlers.flows.common import Ctx, back_button, cancel_button, menu_message, message, unexpected
from handlers.texts import t

NAME = "quiz"
PREFIX = "q_"
LETTERS = "ABCDEF"


async def start(ctx: Ctx, code: str) -> list[OutboundMessage]:
    ctx.state.reset()
    try:
        quiz = await ctx.deps.api.quiz(code)
    except NotFoundError:
        return [message(t("quiz.not_found")), menu_message()]
    if not quiz.open:
        return [message(t("quiz.closed")), menu_message()]
    ctx.state.goto(
        NAME,
        "intro",
        code=quiz.code,
        title=quiz.title,
        questions=[q.model_dump() for q in quiz.questions],
        answers=[],
    )
    return prompt(ctx)


def prompt(ctx: Ctx) -> list[OutboundMessage]:
    step, data = ctx.state.step, ctx.state.data
    total = len(data.get("questions", []))
    if step == "intro":
        return [
            message(
                t("quiz.intro", title=data.get("title", ""), total=total),
                Button(t("quiz.go"), "qz:go"),
                cancel_button(),
            )
        ]
    if step == "question":
        index = len(data["answers"])
        question = data["questions"][index]
        lines = [f"{LETTERS[i]}. {choice}" for i, choice in enumerate(question["choices"])]
        text = t("quiz.question", n=index + 1, total=total, text=question["text"])
        buttons = [Button(LETTERS[i], f"qz:a:{index}:{i}") for i in range(len(lines))]
        return [message(text + "\n\n" + "\n".join(lines), *buttons, cancel_button(), per_row=4)]
    return [message(t("quiz.name"), Button(t("quiz.anonymous"), "qz:anon"), cancel_button())]


async def handle(ctx: Ctx) -> list[OutboundMessage]:
    step, event, data = ctx.state.step, ctx.event, ctx.state.data
    button = event.data if event.kind == EventKind.BUTTON else None
    if step == "intro" and button == "qz:go":
        ctx.state.goto(NAME, "question")
        return prompt(ctx)
    if step == "question" and button and button.startswith("qz:a:"):
        index, _, choice = button.removeprefix("qz:a:").partition(":")
        current = len(data["answers"])
        choices = data["questions"][current]["choices"]
        if index == str(current) and choice.isdigit() and int(choice) < len(choices):
            data["answers"].append(int(choice))
            if len(data["answers"]) == len(data["questions"]):
                ctx.state.goto(NAME, "name")
            return prompt(ctx)
    if step == "name":
        if button == "qz:anon":
            return await _submit(ctx, None)
        if event.kind == EventKind.TEXT and ctx.text:
            return await _submit(ctx, ctx.text[:60])
    return unexpected(ctx, prompt(ctx))


async def _submit(ctx: Ctx, display_name: str | None) -> list[OutboundMessage]:
    data = ctx.state.data
    try:
        result = await ctx.deps.api.quiz_attempt(
            data["code"],
            AttemptCreate(
                citizen_ref=ctx.citizen_ref, display_name=display_name, answers=data["answers"]
            ),
        )
    except FeedbackApiError as exc:
        if exc.status == 409:
            ctx.state.reset()
            key = "quiz.already" if exc.code == "already" else "quiz.closed"
            return [message(t(key)), menu_message()]
        raise
    ctx.state.reset()
    messages = [message(t("quiz.score", score=result.score, total=result.total))]
    for n, item in enumerate(result.corrections, start=1):
        verdict = t("quiz.right") if item.chosen == item.correct else t("quiz.wrong")
        messages.append(
            message(
                t(
                    "quiz.correction",
                    n=n,
                    verdict=verdict,
                    answer=f"{LETTERS[item.correct]}. {item.correct_choice}",
                    basis=item.legal_basis,
                    explanation=item.explanation or "",
                ).rstrip()
            )
        )
    messages.append(message(t("quiz.thanks"), back_button()))
    return messages
