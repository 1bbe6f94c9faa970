"""The officer web view (server-rendered Jinja2 + vendored HTMX)."""

from fastapi import APIRouter

from feedback_api.broadcasts import pages as broadcasts
from feedback_api.pages import account, admin, auth, campaign, inbox, tokens

router = APIRouter()
router.include_router(auth.router)
router.include_router(inbox.router)
router.include_router(account.router)
router.include_router(campaign.router)
router.include_router(admin.router)
router.include_router(tokens.router)
router.include_router(broadcasts.router)
