"""The officer web view (server-rendered Jinja2 + vendored HTMX)."""

from fastapi import APIRouter

from feedback_api.broadcasts import pages as broadcasts
from feedback_api.forums import pages as forums
from feedback_api.pages import account, admin, auth, campaign, inbox, tokens
from feedback_api.quizzes import pages as quizzes
from feedback_api.reports import pages as reports
from feedback_api.zalo import pages as zalo_pages

router = APIRouter()
router.include_router(auth.router)
router.include_router(inbox.router)
router.include_router(account.router)
router.include_router(campaign.router)
router.include_router(admin.router)
router.include_router(tokens.router)
router.include_router(broadcasts.router)
router.include_router(zalo_pages.router)
router.include_router(reports.router)
router.include_router(forums.router)
router.include_router(quizzes.router)
