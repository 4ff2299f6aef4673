"""The submission challenge of the applicant portal: a small sum in words, self-hosted.

No third-party service and no script: the question is text (read out by a screen reader like any
label), the answer a number. The form carries a token signed with the app's secret holding the
form's nonce and an HMAC of the right answer — never the answer itself — so the answer is
checked without storing anything; services/portal.py marks each nonce used once (a wrong answer
spends it too), so a solved challenge cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..domain.errors import InputError

MAX_AGE = 2 * 3600   # a form may take a while to fill in
RULE = "提交前须回答验证题（防止自动程序批量提交），答案为阿拉伯数字；验证题2小时内有效，每题只能回答一次"
_DIGITS = "零一二三四五六七八九十"


def _words(n: int) -> str:
    if n <= 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n - 10] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return _DIGITS[tens] + "十" + (_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Challenge:
    nonce: str      # also the form's request id (one application per form)
    question: str
    token: str


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="foi-portal-challenge")


def _mac(secret: str, nonce: str, answer: str) -> str:
    return hmac.new(secret.encode(), f"{nonce}:{answer}".encode(), hashlib.sha256).hexdigest()


def new(secret: str) -> Challenge:
    a, b = secrets.randbelow(9) + 2, secrets.randbelow(9) + 2
    if secrets.randbelow(2):
        question, answer = f"{_words(a + b)}减{_words(b)}等于几？", a
    else:
        question, answer = f"{_words(a)}加{_words(b)}等于几？", a + b
    nonce = secrets.token_hex(16)
    token = _serializer(secret).dumps({"n": nonce, "h": _mac(secret, nonce, str(answer))})
    return Challenge(nonce, question, token)


def nonce_of(secret: str, token: str) -> str:
    """The nonce of a token this app signed and that has not expired, else InputError."""
    try:
        data = _serializer(secret).loads(token or "", max_age=MAX_AGE)
    except SignatureExpired:
        raise InputError("challenge", RULE, "验证题已过期，请回答新的验证题") from None
    except BadSignature:
        raise InputError("challenge", RULE, "验证题无效，请回答新的验证题") from None
    if not isinstance(data, dict) or not isinstance(data.get("n"), str) or not isinstance(data.get("h"), str):
        raise InputError("challenge", RULE, "验证题无效，请回答新的验证题")
    return data["n"]


def answer_ok(secret: str, token: str, answer: str) -> bool:
    data = _serializer(secret).loads(token, max_age=MAX_AGE)
    given = unicodedata.normalize("NFKC", answer or "").strip()
    if not given.isdigit() or len(given) > 3:
        given = "?"
    return hmac.compare_digest(_mac(secret, data["n"], str(int(given)) if given != "?" else "?"), data["h"])
