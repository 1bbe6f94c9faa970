"""Neighbouring public services (faq/data/services.yaml): who handles what the police do not.

Citizens ask the police about birth certificates, visas, school places, electricity bills...
Answering those with the nearest police topic misleads; rejecting them helps nobody. Each
service is indexed like a knowledge-base entry (its questions and keywords), under an id with
the SERVICE_PREFIX, so the matcher and the classifier learn to tell "giấy khai sinh cho con"
from "căn cước cho trẻ em"; a message whose best match is a service gets a redirect: the agency
and how to reach it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from faq.knowledge import Entry, KnowledgeBaseError
from faq.normalize import nfc

DEFAULT_PATH = Path(__file__).parent / "data" / "services.yaml"
SERVICE_PREFIX = "service:"
_FIELDS = ("id", "agency", "contact", "keywords", "questions")


@dataclass(frozen=True)
class Service:
    id: str
    agency: str
    contact: str
    keywords: tuple[str, ...]
    questions: tuple[str, ...]

    def as_entry(self) -> Entry:
        """The service as the rankers see it; never shown to a citizen as an entry."""
        return Entry(
            id=SERVICE_PREFIX + self.id,
            title=self.agency,
            answer=self.contact,
            questions=self.questions,
            keywords=self.keywords,
            legal_basis=(),
            last_reviewed=dt.date(2026, 12, 2),
            related=(),
        )


def load_services(path: Path = DEFAULT_PATH) -> list[Service]:
    """Every service of the file; raises KnowledgeBaseError listing every fault."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    faults: list[str] = []
    services: list[Service] = []
    seen: set[str] = set()
    for number, item in enumerate(raw if isinstance(raw, list) else [], start=1):
        missing = [f for f in _FIELDS if not isinstance(item, dict) or not item.get(f)]
        if missing:
            faults.append(f"{path.name}: service #{number}: missing {', '.join(missing)}")
            continue
        if item["id"] in seen:
            faults.append(f"{path.name}: service id {item['id']!r} used twice")
        seen.add(item["id"])
        services.append(
            Service(
                id=str(item["id"]),
                agency=nfc(str(item["agency"])),
                contact=nfc(str(item["contact"])),
                keywords=tuple(nfc(str(k)) for k in item["keywords"]),
                questions=tuple(nfc(str(q)) for q in item["questions"]),
            )
        )
    if not isinstance(raw, list):
        faults.append(f"{path.name}: expected a list of services")
    if faults:
        raise KnowledgeBaseError(faults)
    return services
