"""How many uploads the server takes at once, how large and how slow an upload may be.

* `ParseSlots`: at most `slots` POST /parse requests are read, decoded and parsed at once per
  process. The next ones wait up to `wait_s` for a slot and then get 503 with Retry-After. A
  waiting request's body is not read yet, so waiting costs no memory: before, every waiting
  upload was decoded at once (about 1.2 GB each for a 310 KB photo).
* `UploadLimit`: a body past `limit` bytes is cut off as it streams in: 413.
* `BodyDeadline`: a request body must arrive within `seconds` of the request's start, however
  slowly it trickles; after that the request gets 408 and nothing more is read.

Both cut the body short the same way (`run_until_cut`): the app sees the client go away, its
reply is held back, and the middleware's own goes instead.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from fastapi.responses import JSONResponse

SLOT_POLL_S = 0.02  # how often a waiting photo looks for a free slot


class ParseSlots:
    def __init__(self, app, slots: int, wait_s: float, path: str = "/parse"):
        self.app, self.wait_s, self.path = app, wait_s, path
        self.slots = slots
        # a thread semaphore, polled: an asyncio one belongs to one event loop, and test
        # clients run each request in a loop of its own
        self._free = threading.BoundedSemaphore(slots)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        if not await self._take_slot():
            retry = max(1, round(self.wait_s))
            body = {"detail": f"busy: {self.slots} photo(s) in progress; retry in {retry} s"}
            reply = JSONResponse(body, 503, headers={"Retry-After": str(retry)})
            return await reply(scope, receive, send)
        try:
            await self.app(scope, receive, send)
        finally:
            self._free.release()

    async def _take_slot(self) -> bool:
        deadline = time.monotonic() + self.wait_s
        while not self._free.acquire(blocking=False):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(SLOT_POLL_S)
        return True


class BodyDeadline:
    def __init__(self, app, seconds: float):
        self.app, self.seconds = app, seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        deadline = time.monotonic() + self.seconds
        late, body_done = False, False

        async def timed_receive():
            nonlocal late, body_done
            if late:
                return {"type": "http.disconnect"}
            if body_done:  # after the body, receive() only waits for a disconnect: untimed
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                late = True
                return {"type": "http.disconnect"}
            body_done = message["type"] != "http.request" or not message.get("more_body")
            return message

        if await run_until_cut(self.app, scope, timed_receive, send, lambda: late):
            detail = f"upload not received within {self.seconds:g} s"
            await JSONResponse({"detail": detail}, 408)(scope, receive, send)


async def run_until_cut(app, scope, receive, send, cut: Callable[[], bool]) -> bool:
    """Run `app` on a `receive` that may cut the body short (`cut()` turns true). A reply the
    app starts after that is held back, and an error it raises because of it is swallowed:
    True means the body was cut and nothing was sent, so the caller sends its own reply."""
    started = False

    async def guarded_send(message):
        nonlocal started
        if cut() and not started:
            return
        started = True
        await send(message)

    try:
        await app(scope, receive, guarded_send)
    except Exception:
        if not cut():
            raise
    return cut() and not started


class UploadLimit:
    """ASGI middleware: a request body is counted as it streams in and cut off once it passes
    `limit` bytes, whatever its headers say (chunked uploads have no Content-Length). Nothing
    past the limit is read, so nothing past it reaches memory or the multipart parser's
    temporary files."""

    def __init__(self, app, limit: int, message: str):
        self.app, self.limit, self.message = app, limit, message

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            return await self._refuse(send)
        received, over = 0, False

        async def counted_receive():
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        if await run_until_cut(self.app, scope, counted_receive, send, lambda: over):
            await self._refuse(send)

    async def _refuse(self, send) -> None:
        await JSONResponse({"detail": self.message}, 413)({"type": "http"}, None, send)
