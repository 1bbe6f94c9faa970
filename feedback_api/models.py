"""Every table, imported once so SQLModel.metadata knows them all (Alembic, tests)."""

from sqlmodel import SQLModel

from feedback_api.audit.models import AuditEvent
from feedback_api.broadcasts.models import (
    Broadcast,
    BroadcastDelivery,
    OfficerChatLink,
    RateBucket,
)
from feedback_api.forums.models import Forum, ForumOpinion, ForumTheme
from feedback_api.knowledge.models import (
    KnowledgeEntry,
    KnowledgeRevision,
    UnansweredQuestion,
)
from feedback_api.officers.models import ApiToken, LoginThrottle, Officer, OfficerSession
from feedback_api.outbox.models import OutboxMessage
from feedback_api.quizzes.models import Quiz, QuizAttempt, QuizQuestion
from feedback_api.submissions.models import Attachment, Note, Submission
from feedback_api.subscriptions.models import Subscription
from feedback_api.units.models import RememberedUnit, Unit, UnitBoundary
from feedback_api.zalo.models import ZaloCredentials

metadata = SQLModel.metadata

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Broadcast",
    "BroadcastDelivery",
    "Forum",
    "ForumOpinion",
    "ForumTheme",
    "KnowledgeEntry",
    "KnowledgeRevision",
    "LoginThrottle",
    "Note",
    "Officer",
    "OfficerChatLink",
    "OfficerSession",
    "OutboxMessage",
    "Quiz",
    "QuizAttempt",
    "QuizQuestion",
    "RateBucket",
    "RememberedUnit",
    "Submission",
    "Subscription",
    "UnansweredQuestion",
    "Unit",
    "UnitBoundary",
    "ZaloCredentials",
    "metadata",
]
