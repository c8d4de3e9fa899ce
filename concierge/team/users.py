"""Staff who log in to the dashboard: admins, coordinators of a cooperative, operators."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Boolean, ForeignKey, Integer, String, column, select, table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import InvalidValue, NotFound
from concierge.team.operators import Cooperative, Operator

MIN_PASSWORD_LENGTH = 8
# The member companies' table, named without importing welfare (a higher layer).
_COMPANIES = table("companies", column("id"))
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    """Verified when the username is unknown, so a wrong name takes as long as a wrong password.
    Made on the first log-in, not at import: every command and process start would pay it."""
    return _HASHER.hash("not a password of anyone")


class UserRefused(InvalidValue):
    """A user that cannot be added or changed as asked; `key` says why in the catalogue."""

    def __init__(self, message: str, key: str, **params: Any) -> None:
        super().__init__(message, **params)
        self.key = key


class Role(StrEnum):
    """What a user may see and do."""

    ADMIN = "admin"  # every cooperative, and the users
    COORDINATOR = "coordinator"  # everything of their cooperative
    OPERATOR = "operator"  # their own tasks
    COMPANY = "company"  # a member company's HR: its welfare plan in aggregate, nothing else


class User(Base):
    """Someone who logs in to the dashboard."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(20))
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"), nullable=True)
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id"), nullable=True, unique=True
    )
    # A company user is that company's HR (no relationship: companies live in a higher layer).
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), nullable=True)
    language: Mapped[str] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    cooperative: Mapped[Cooperative | None] = relationship(lazy="joined")
    operator: Mapped[Operator | None] = relationship(lazy="joined")


class UserInput(BaseModel):
    """A new user as an admin or the command line gives it."""

    model_config = ConfigDict(str_strip_whitespace=True)

    username: str = Field(min_length=2, max_length=60, pattern=r"^[A-Za-z0-9._@-]+$")
    display_name: str = Field(default="", max_length=120)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=200)
    role: Role
    cooperative: str | None = None  # by name; coordinators and operators need one
    operator_id: int | None = None  # an operator user is that operator
    company_id: int | None = None  # a company user is that company's HR
    language: str = Field(default="it", pattern=r"^(it|en)$")

    @field_validator("username")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


def hash_password(password: str) -> str:
    """The argon2id hash stored for a password."""
    return _HASHER.hash(password)


async def add_user(ctx: DomainContext, new: UserInput) -> User:
    """Create a user; InvalidValue when the name is taken or the role lacks its cooperative."""
    if await ctx.session.scalar(select(User.id).where(User.username == new.username)):
        raise UserRefused(
            f"the username {new.username} is taken",
            key="error.user.taken",
            username=new.username,
        )
    cooperative: Cooperative | None = None
    operator: Operator | None = None
    if new.role == Role.OPERATOR:
        if new.operator_id is None:
            raise UserRefused(
                "an operator user needs the operator it is (--operator-phone)",
                key="error.user.needs_operator",
            )
        operator = await ctx.session.get(Operator, new.operator_id)
        if operator is None:
            raise NotFound(
                f"no operator {new.operator_id}", why="why.no_operator_id", what=new.operator_id
            )
        if await ctx.session.scalar(select(User.id).where(User.operator_id == operator.id)):
            raise UserRefused(
                f"operator {operator.id} already has a user",
                key="error.user.operator_has_user",
                operator=operator.person.display_name,
            )
        cooperative = operator.cooperative
    elif new.cooperative is not None:
        cooperative = await ctx.session.scalar(
            select(Cooperative).where(Cooperative.name == new.cooperative)
        )
        if cooperative is None:
            raise UserRefused(
                f"no cooperative named {new.cooperative}",
                key="error.user.no_cooperative",
                cooperative=new.cooperative,
            )
    if new.role == Role.COORDINATOR and cooperative is None:
        raise UserRefused(
            "a coordinator user needs a cooperative (--cooperative)",
            key="error.user.needs_cooperative",
        )
    if (new.role == Role.COMPANY) != (new.company_id is not None) or (
        new.role == Role.COMPANY and cooperative is not None
    ):
        raise UserRefused(
            "a company user needs a company (--company) and no cooperative",
            key="error.user.company_needs_company",
        )
    if new.company_id is not None and not await ctx.session.scalar(
        select(_COMPANIES.c.id).where(_COMPANIES.c.id == new.company_id)
    ):
        raise NotFound(f"no company {new.company_id}", why="why.no_company_id", what=new.company_id)
    user = User(
        username=new.username,
        display_name=new.display_name or new.username,
        password_hash=hash_password(new.password),
        role=new.role,
        cooperative_id=cooperative.id if cooperative else None,
        operator_id=operator.id if operator else None,
        company_id=new.company_id,
        language=new.language,
        active=True,
        created_at=ctx.now(),
    )
    ctx.session.add(user)
    await ctx.session.flush()
    return user


async def authenticate(ctx: DomainContext, username: str, password: str) -> User | None:
    """The active user with this name and password, or None; a stale hash is renewed."""
    dummy = _dummy_hash()  # before the lookup: the first log-in pays it, whatever the name
    user = await ctx.session.scalar(
        select(User).where(User.username == username.strip().lower(), User.active.is_(True))
    )
    try:
        _HASHER.verify(user.password_hash if user else dummy, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = ctx.now()
    return user


def _is_password(password_hash: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


async def users_with_password(ctx: DomainContext, password: str) -> list[str]:
    """Names of the active users whose password is `password` (e.g. the published demo one)."""
    users = (await ctx.session.scalars(select(User).where(User.active.is_(True)))).unique().all()
    verdicts: dict[str, bool] = {}  # demo users share one hash: argon2 is slow on purpose
    for user in users:
        if user.password_hash not in verdicts:
            verdicts[user.password_hash] = _is_password(user.password_hash, password)
    return sorted(user.username for user in users if verdicts[user.password_hash])


async def set_password(ctx: DomainContext, username: str, password: str) -> User:
    """Give a user a new password; UserRefused when it is too short or there is no such user."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserRefused(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters",
            key="error.user.short_password",
            min=MIN_PASSWORD_LENGTH,
        )
    name = username.strip().lower()
    user = await ctx.session.scalar(select(User).where(User.username == name))
    if user is None:
        raise UserRefused(f"no user named {name}", key="error.user.unknown", username=name)
    user.password_hash = hash_password(password)
    await ctx.session.flush()
    return user


async def active_user(ctx: DomainContext, user_id: int) -> User | None:
    """The user of a session, while they are still active."""
    user = await ctx.session.get(User, user_id)
    return user if user is not None and user.active else None


async def all_users(ctx: DomainContext) -> list[User]:
    """Every user, by name."""
    rows = await ctx.session.scalars(select(User).order_by(User.username))
    return list(rows.unique().all())


async def set_active(ctx: DomainContext, user_id: int, active: bool) -> User:
    """Let a user log in again, or stop them (their open sessions end at the next page)."""
    user = await ctx.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", why="why.no_user_id", what=user_id)
    user.active = active
    await ctx.session.flush()
    return user


async def add_cooperative(ctx: DomainContext, name: str) -> Cooperative:
    """A new cooperative; InvalidValue when the name is empty or taken."""
    name = name.strip()
    if not name:
        raise InvalidValue("a cooperative needs a name", why="why.cooperative_name")
    if await ctx.session.scalar(select(Cooperative.id).where(Cooperative.name == name)):
        raise InvalidValue(
            f"there is already a cooperative named {name}", why="why.cooperative_exists", name=name
        )
    cooperative = Cooperative(name=name)
    ctx.session.add(cooperative)
    await ctx.session.flush()
    return cooperative


async def all_cooperatives(ctx: DomainContext) -> list[Cooperative]:
    """Every cooperative, by name."""
    rows = await ctx.session.scalars(select(Cooperative).order_by(Cooperative.name))
    return list(rows.unique().all())
