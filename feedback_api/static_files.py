"""Static files with their version in the URL: `/static/<version>/<path>` is kept by browsers
for a year (immutable) because a new release changes the version; `/static/<path>` still works
and is revalidated. Pages link through `static_url`, so no page ever names a stale file."""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
_VERSION = re.compile(r"^[0-9a-f]{10}$")


@functools.cache
def version_of(path: str) -> str:
    """The first 10 hex digits of the file's SHA-256 (read once per process)."""
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]


def static_url(path: str) -> str:
    return f"/static/{version_of(path)}/{path}"


class VersionedStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        first, _, rest = path.partition("/")
        if rest and _VERSION.match(first):
            response = await super().get_response(rest, scope)
            if response.status_code == 200:
                current = first == version_of(rest)
                # An old version's URL (a page from before a release) gets today's file, uncached.
                response.headers["Cache-Control"] = IMMUTABLE if current else "no-cache"
            return response
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", "no-cache")
        return response
