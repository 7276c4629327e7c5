"""Sign-in sessions of the live map: a browser's EventSource cannot send an ``Authorization``
header, so the map page trades a token for a short-lived, read-only session cookie.

The cookie holds only a random session id (256 bits); the server keeps, in memory, the token it
was made from and the expiry. Each request with the cookie re-checks that token
(`Store.verify_token`, so a revoked token stops working within its cache time) and is granted
*read* scope whatever the token's scope: a cookie, which the browser sends on its own, can
never write. Sessions end after `SESSION_TTL_S`, at sign-out, and when the server restarts.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

__all__ = ["COOKIE", "SESSION_TTL_S", "MapSession", "MapSessions"]

#: Name of the session cookie.
COOKIE = "sw_session"
#: Lifetime of a session, s (a working shift; sign in again after it).
SESSION_TTL_S = 8 * 3600.0
#: Most sessions kept at once (the oldest is dropped beyond it).
MAX_SESSIONS = 10_000


@dataclass(frozen=True)
class MapSession:
    """A signed-in browser: the token it signed in with (kept in memory only), that token's id
    and name, and when the session ends (epoch s)."""

    token: str
    token_id: int
    token_name: str
    expires_at: float


class MapSessions:
    """The live sessions, by cookie value; thread-safe."""

    def __init__(self, *, ttl_s: float = SESSION_TTL_S, max_sessions: int = MAX_SESSIONS) -> None:
        self.ttl_s = ttl_s
        self.max_sessions = max_sessions
        self._lock = threading.Lock()
        self._sessions: dict[str, MapSession] = {}

    def create(self, token: str, *, token_id: int, token_name: str) -> tuple[str, MapSession]:
        """A new session for ``token``: (cookie value, session)."""
        sid = secrets.token_urlsafe(32)
        session = MapSession(token, token_id, token_name, time.time() + self.ttl_s)
        with self._lock:
            self._prune()
            while len(self._sessions) >= self.max_sessions:
                self._sessions.pop(next(iter(self._sessions)))
            self._sessions[sid] = session
        return sid, session

    def get(self, sid: str) -> MapSession | None:
        """The live session of a cookie value, or None (unknown or expired)."""
        if not sid or len(sid) > 100:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None and session.expires_at <= time.time():
                del self._sessions[sid]
                session = None
        return session

    def drop(self, sid: str) -> None:
        with self._lock:
            self._sessions.pop(sid, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def _prune(self) -> None:
        now = time.time()
        for sid in [k for k, v in self._sessions.items() if v.expires_at <= now]:
            del self._sessions[sid]
