"""Credentials never leave a URL: `https://user:secret@host` is shown as `https://***@host` everywhere.

Used for every message that names a host, and by the one-line error printer for any text that may quote a URL.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# scheme://user:password@ anywhere in a text (a user name alone is no secret and stays, as in postgres://user@host)
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/\s@'\":]*:[^/\s@'\"]*)@")
LOOPBACK_HOSTS = ("localhost", "::1")


def redact_url(url: str) -> str:
    """The URL without its user name and password (`***` in their place) when it has a password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def redact_text(text: str) -> str:
    """Every `scheme://user:password@` in a free text, redacted."""
    return _USERINFO.sub(lambda match: f"{match['scheme']}***@", text)


def has_credentials(url: str) -> bool:
    parts = urlsplit(url)
    return parts.username is not None or parts.password is not None


def is_loopback(url: str) -> bool:
    """127.0.0.0/8, localhost and [::1]: the only hosts plain http is allowed to (a local simulator or proxy)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_HOSTS:
        return True
    parts = host.split(".")
    return len(parts) == 4 and parts[0] == "127" and all(part.isdigit() and int(part) < 256 for part in parts)
