"""HTTP access to one Pendo host: auth, retries (from dlt's `[runtime]` settings) and streamed aggregation rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ijson
from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth

KEY_HEADER = "x-pendo-integration-key"
AGGREGATION_PATH = "api/v1/aggregation"


class PendoAuthError(Exception):
    """The key was refused (401/403): it is wrong, revoked, or belongs to another region's host."""


class PendoClient:
    """Posts aggregation requests and yields their result rows as they stream in."""

    def __init__(self, base_url: str, integration_key: str) -> None:
        self.base_url = base_url.rstrip("/")
        # The key travels in an auth hook, not in the client's default headers, so that dlt's request logging
        # (which prints headers at DEBUG level) can never show it.
        self._rest = RESTClient(
            base_url=self.base_url,
            headers={"content-type": "application/json"},
            auth=APIKeyAuth(name=KEY_HEADER, api_key=integration_key, location="header"),
            session=Client(raise_for_status=False).session,
        )

    def aggregate(self, pipeline: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """POST one aggregation and yield its result rows, parsed incrementally from the socket."""
        body = {"response": {"mimeType": "application/json"}, "request": {"pipeline": pipeline}}
        response = self._rest.post(AGGREGATION_PATH, json=body, stream=True)
        if response.status_code in (401, 403):
            response.close()
            raise PendoAuthError(
                f"Pendo refused the integration key ({response.status_code}) at {self.base_url}: the key is "
                "invalid or revoked, or it belongs to another region's host"
            )
        response.raise_for_status()
        response.raw.decode_content = True
        return _rows(response)


def _rows(response: Any) -> Iterator[dict[str, Any]]:
    with response:
        yield from ijson.items(response.raw, "results.item", use_float=True)
