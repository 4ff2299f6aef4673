"""What a router module of the workbench shares with web/app.py: the settings, a fresh unit of
work per call, the page renderer, the signed-in person (from the session only) and the checked
form (CSRF first). Built once by create_app and handed to each module's `router(web)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from jinja2 import Environment

from ..config import Settings
from ..domain.identity import Principal
from ..domain.policy import Action, allowed


@dataclass(frozen=True)
class Web:
    settings: Settings
    uow: Callable[[], Any]
    page: Callable[..., Any]        # page(request, template, status=200, **ctx)
    me: Callable[[Any], Principal]  # the signed-in person, or NotSignedIn
    form_of: Callable[..., Any]     # await form_of(request): the form, CSRF checked
    env: Environment


def may(principal: Principal | None, action: str) -> bool:
    """Whether the person may do `action` in their own agency (the nav shows only those links)."""
    return principal is not None and allowed(principal, Action(action), principal.agency_path)


def errors_of(err: Any, form: str) -> dict[str, str]:
    """A refusal for the template: the message beside its field (a permission refusal at the top
    of the form), with its rule, and which form on the page it belongs to."""
    field = "" if err.field in ("actor", "token") else err.field
    return {field: err.message, "rule": err.rule, "form": form}


def install(env: Environment) -> None:
    env.globals.setdefault("may", may)
