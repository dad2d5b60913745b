"""The counsellors' inbox as the tests log into it: one password for every counsellor they add."""

from __future__ import annotations

import re

import httpx

PASSWORD = "correct horse battery"
"""The password of every counsellor the tests add ("anna", "ben", "carl" …)."""


def login(client: httpx.Client, username: str) -> str:
    """Logs ``username`` into the inbox (``TestClient`` or a gateway's client); the CSRF token of
    the page it lands on."""
    response = client.post("/inbox/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', response.text)
    assert found is not None
    return found.group(1)
