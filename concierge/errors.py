"""Domain errors: each carries an i18n key so a dialogue can tell the person what went wrong."""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError


class DomainError(Exception):
    """A request of the domain that cannot be honoured; nothing was changed."""

    key = "error.generic"

    def __init__(self, message: str, *, why: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.params = params
        # The catalogue key of the precise reason, worded for staff (the command line), with
        # `params` filled in; `key` stays what the chat tells a resident or an operator.
        self.why = why


class ForbiddenTransition(DomainError):
    """A request lifecycle change that the transition table does not allow."""

    key = "error.forbidden_transition"


class NotFound(DomainError):
    """The thing named does not exist."""

    key = "error.not_found"


class NotYours(DomainError):
    """An operator acted on a request that is not offered or assigned to them."""

    key = "error.not_yours"


class AlreadyTaken(DomainError):
    """An operator accepted a request that a colleague took a moment before."""

    key = "error.already_taken"


class InvalidValue(DomainError):
    """Something given does not make sense (a slot ending before it starts, a duplicate)."""

    key = "error.generic"


class InvalidPhoneNumber(DomainError):
    """A phone number that cannot be read as a valid number."""

    key = "error.invalid_phone"


class RequestCancelled(NotYours):
    """An operator answered an offer of a request that has been cancelled since."""

    key = "error.request_cancelled"


class OfferExpired(NotYours):
    """An operator answered an offer after its time ran out (it went on to someone else)."""

    key = "error.offer_expired"


class OfferWithdrawn(NotYours):
    """An operator answered an offer a coordinator has given to someone else since."""

    key = "error.offer_withdrawn"


class OfferAnswered(NotYours):
    """An operator answered an offer they had already answered (an old button pressed again)."""

    key = "error.offer_answered"


def refusal(why: str, message: str, **params: Any) -> PydanticCustomError:
    """A validator's ValueError that names its catalogue key (`why`) and the key's params, so a
    surface can word it in the reader's language (pydantic keeps both: type and ctx)."""
    return PydanticCustomError(why, message, {k: str(v) for k, v in params.items()})
