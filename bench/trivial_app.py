"""The baselines for the HTTP benchmark: bare ``async def`` FastAPI endpoints.

``/ping`` answers a tiny JSON body; ``/sized`` answers ``$BENCH_BODY_BYTES`` bytes of JSON (the
mean size of the ``/image`` answers being compared) whatever its query string, so the ceiling
pays for the same bytes on the wire.
"""

import os

from fastapi import FastAPI, Response

app = FastAPI()
_BODY = b'{"pad":"' + b"x" * max(0, int(os.environ.get("BENCH_BODY_BYTES", "0")) - 10) + b'"}'


@app.get("/ping")
async def ping() -> dict:
    return {"ok": True}


@app.get("/sized")
async def sized() -> Response:
    return Response(_BODY, media_type="application/json")
