"""The baseline for the HTTP benchmark: a bare ``async def`` FastAPI endpoint."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict:
    return {"ok": True}
