"""Sessions, CSRF tokens and security headers of the workbench (docs/web.md).

The session is Starlette's signed cookie (itsdangerous, HMAC with FOI_WEB_SECRET): it holds the
account code, the sign-in time, a fingerprint of the password hash (a password change ends every
other session) and the CSRF token, never personal data. Idle expiry is the cookie's signed age
(FOI_WEB_SESSION_MINUTES, renewed on every response); absolute expiry is checked here
(FOI_WEB_SESSION_HOURS). The Principal is rebuilt from the account on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from starlette.requests import Request

from ..domain.identity import Principal
from ..services import auth

CSRF_FIELD = "csrf"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-src 'self'; frame-ancestors 'self'; base-uri 'none'")
# a notice preview: the notice's own inline styles, nothing else, in a sandbox
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "SAMEORIGIN", "Cache-Control": "no-store"}


class CsrfRefused(Exception):
    """A form without the session's CSRF token: refused with 403, nothing read or written."""


def fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:20]


def _signer(request: Request):
    from itsdangerous import TimestampSigner

    return TimestampSigner(request.app.state.session_key, salt="foi-web-csrf")


def _new_token(request: Request, code: str) -> str:
    """A random token, signed with the session key together with the account it was issued to:
    a form whose session has expired can still be recognised as one of our own pages'
    (form_account), so what was entered is kept; a forged form's data never is."""
    return _signer(request).sign(f"{code}:{secrets.token_urlsafe(24)}".encode()).decode()


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = _new_token(request, str(request.session.get("code") or ""))
        request.session[CSRF_FIELD] = token
    return token


def form_account(request: Request, token: Any, *, max_hours: int) -> str | None:
    """The account a form's CSRF token was issued to, when the token is one of ours and no older
    than a session may live (None: missing, forged, too old, or issued before sign-in)."""
    from itsdangerous import BadSignature

    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        raw = _signer(request).unsign(token.encode(), max_age=max_hours * 3600).decode()
    except (BadSignature, UnicodeDecodeError):
        return None
    code = raw.rsplit(":", 1)[0]
    return code or None


def check_csrf(request: Request, form: Any) -> None:
    sent = form.get(CSRF_FIELD) if form is not None else None
    held = request.session.get(CSRF_FIELD)
    if not isinstance(sent, str) or not held or not hmac.compare_digest(sent, held):
        raise CsrfRefused()


def start_session(request: Request, principal: Principal, password_hash: str | None) -> None:
    """A new session on sign-in (a new CSRF token too: no fixation of an earlier one)."""
    request.session.clear()
    request.session.update({"code": principal.code, "iat": int(time.time()),
                            "pw": fingerprint(password_hash), CSRF_FIELD: _new_token(request, principal.code)})


def end_session(request: Request) -> None:
    request.session.clear()


def session_principal(request: Request, uow, *, max_hours: int) -> Principal | None:
    """The signed-in person, or None (no session, expired, password changed, account inactive)."""
    code, iat = request.session.get("code"), request.session.get("iat")
    if not isinstance(code, str) or not isinstance(iat, int):
        return None
    if time.time() - iat > max_hours * 3600:
        request.session.clear()
        return None
    with uow:
        account = uow.directory.account_by_code(code)
        if (account is None or not account.active or account.kind != "person"
                or not hmac.compare_digest(fingerprint(account.password_hash), str(request.session.get("pw")))):
            request.session.clear()
            return None
        return auth.make_principal(uow, account, operator="web", via="web")
