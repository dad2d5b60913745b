"""A person in the web chat, as the chat page talks to the gateway: typed text, or pressed buttons."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient


class Chat:
    """One person in the web chat."""

    def __init__(self, client: TestClient, language: str = "de") -> None:
        self.client, self.language, self.session = client, language, str(uuid.uuid4())

    @property
    def sender(self) -> str:
        return f"web:{self.session}"

    def say(self, text: str) -> dict:
        """Type ``text``."""
        return self._post({"text": text})

    def press(self, payload: str, title: str = "") -> dict:
        """Press a button (as the chat page sends it: the payload, and the title as text)."""
        return self._post({"payload": payload, "text": title})

    def _post(self, fields: dict) -> dict:
        response = self.client.post("/api/chat", json={"session": self.session, "language": self.language, **fields})
        body = response.json()
        body["status"] = response.status_code
        return body

    @staticmethod
    def texts(body: dict) -> str:
        return "\n".join(m["text"] for m in body["messages"])

    @staticmethod
    def payloads(body: dict) -> list[str]:
        return [b["payload"] for m in body["messages"] for b in m["buttons"]]
