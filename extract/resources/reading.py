"""What the event and entity readers share: their context (clients, progress, retry policy) and how they retry an
answer that failed after its 200.

Two failures are retried by the readers themselves, since dlt's retries end when the status line arrives: a
malformed answer (retried like a 5xx, with dlt's backoff, then reported in one line) and a response cut off mid-body
(asked for again from the last row handed over). Both count as `resent` requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from extract.load.progress import Progress
from extract.pendo.client import InvalidAnswer, PendoClient, RequestCounts


def _no_wait(attempt: int) -> None:
    return None


@dataclass(kw_only=True)
class ReadContext:
    progress: Progress
    client: Callable[[RequestCounts], PendoClient]
    max_attempts: int  # dlt's request_max_attempts, reused for answers that fail after their 200
    backoff: Callable[[int], None] = _no_wait  # waits before the n-th retry of a malformed answer

    def retries(self, counts: RequestCounts) -> Retries:
        return Retries(self.max_attempts, self.backoff, counts)


@dataclass
class Retries:
    """The attempts left for one read (a window, or an entity table)."""

    max_attempts: int
    backoff: Callable[[int], None]
    counts: RequestCounts
    malformed: int = 0
    interrupted: int = 0

    def after_malformed(self, error: InvalidAnswer, where: str = "") -> None:
        """Wait before reading again, or raise the last error in one line once every attempt is spent."""
        self.malformed += 1
        self.counts.resent += 1
        if self.malformed >= self.max_attempts:
            raise InvalidAnswer(f"{where}{error} (after {self.malformed} attempts)") from None
        self.backoff(self.malformed)

    def after_interrupted(self) -> bool:
        """Whether a response cut off mid-body may be asked for again."""
        self.interrupted += 1
        self.counts.resent += 1
        return self.interrupted < self.max_attempts

    def reset(self, malformed: bool = True) -> None:
        """A read went through (or the window was split): its failures no longer count."""
        self.interrupted = 0
        if malformed:
            self.malformed = 0
