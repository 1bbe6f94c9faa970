"""python-telegram-bot's HTTP backend on aiohttp instead of httpx, and the bot that uses it.

Why: every reply is one Bot API call, and through PTB's default backend (httpx → httpcore →
anyio) that call cost 1.6–1.8 ms of CPU against Telegram's (fake) server, more than a bare echo
bot spends on a whole update; aiohttp's C-accelerated client does the same POST for about
0.6 ms (measured on this machine, a fresh connection each, as the benchmark's fake server closes
them). PTB supports custom backends through `telegram.request.BaseRequest`: this one only moves
bytes; PTB still builds the parameters, checks the answer and raises its own errors (RetryAfter,
Forbidden, BadRequest...), so nothing above this module changes.

Requests are sent as JSON (the Bot API takes JSON, form or multipart bodies): percent-encoding
a long Vietnamese answer byte by byte, as PTB's backend does, cost more than sending it;
multipart when a file is uploaded, as PTB does.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON_BODY = "application/json"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}  # a local Bot API server: never through a proxy


class AiohttpRequest(BaseRequest):
    """A pool of keep-alive connections to the Bot API, opened on first use."""

    __slots__ = (
        "_connect_timeout",
        "_limit",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ):
        self._limit = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            await self.initialize()
        read = self._read_timeout if _unset(read_timeout) else read_timeout
        connect = self._connect_timeout if _unset(connect_timeout) else connect_timeout
        pool = self._pool_timeout if _unset(pool_timeout) else pool_timeout
        uploading = request_data is not None and request_data.contains_files
        if uploading and not _unset(write_timeout) and write_timeout and read:
            read += write_timeout  # aiohttp has no write timeout: the upload's time counts here
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, timeout=timeout, proxy=self._proxy(url), **_body(request_data)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # asyncio.TimeoutError is TimeoutError on 3.11
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _proxy(self, url: str) -> str | None:
        """The proxy for this URL from HTTP(S)_PROXY / ALL_PROXY / NO_PROXY, as httpx honoured
        them (police networks often reach the internet only through one). Looked up once per
        host: aiohttp's own `trust_env` reads the environment and netrc again on every request,
        which more than doubled the CPU of a call (0.47 → 1.16 ms, measured)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxies = getproxies()
            bypass = key[1] in LOOPBACK or (bool(key[1]) and proxy_bypass(key[1]))
            self._proxies[key] = None if bypass else proxies.get(key[0]) or proxies.get("all")
        return self._proxies[key]


def _unset(value: object) -> bool:
    """PTB's "not given" markers (DEFAULT_NONE and its kin), as HTTPXRequest reads them."""
    return isinstance(value, type(BaseRequest.DEFAULT_NONE))


def _body(request_data: RequestData | None) -> dict:
    if request_data is None:
        return {}
    if not request_data.contains_files:  # JSON, which the Bot API accepts as well as forms:
        encoded = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        return {"data": encoded, "headers": {"Content-Type": JSON_BODY}}  # no %-escaping
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return {"data": form}


class ReplyBot(Bot):
    """PTB's Bot, HTTP on AiohttpRequest, plus `call`: a Bot API method whose answer matters only
    as success or failure (a reply, a chunk of one). `send_message` would build PTB objects for
    the keyboard and parse the sent message back into a Message — a third of a reply's cost,
    for nothing read. `call` takes the Bot API's own JSON shapes and still goes through PTB's
    request path, so the answer is checked and errors are PTB's (RetryAfter, Forbidden...).
    It uses PTB's `_post`, stable across 20–22; pyproject pins python-telegram-bot below 23 and
    the end-to-end tests exercise it against the strict fake."""

    def __init__(self, token: str, **options: Any):
        super().__init__(
            token, request=AiohttpRequest(), get_updates_request=AiohttpRequest(1), **options
        )

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        return await self._post(method, params)
