"""The users subgraph's GraphQL schema (strawberry, Federation v2).

``User.id`` is the B2C object id (``oid``). Name and email come from the viewer's token, never
from input; a user's profile (preferences, addresses, recently viewed products) is theirs
alone, and admins'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import strawberry
from aiodataloader import DataLoader
from strawberry.federation.schema_directives import Authenticated, Key, Policy
from strawberry.federation.types import FieldSet
from strawberry.types import Info

from subgraphs.common.auth import Viewer
from subgraphs.common.cache_control import PRIVATE
from subgraphs.common.consistency import may_lag
from subgraphs.common.demand_control import assumed, sliced
from subgraphs.common.errors import client_error
from subgraphs.common.permissions import PROFILE_READ, PROFILE_WRITE, require_scope
from subgraphs.common.schema import CodedSchema
from subgraphs.users import store as profiles
from subgraphs.users.store import ProfileError, ProfileStore, RecentlyViewed

LANGUAGE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
CURRENCIES = {"EUR", "USD", "GBP", "NOK", "SEK", "DKK", "CHF", "PLN"}
COUNTRY = re.compile(r"^[A-Z]{2}$")
ADDRESS_LIMITS = {"label": 50, "recipient": 100, "line1": 200, "line2": 200, "city": 100,
                  "postal_code": 20}  # fmt: skip


@dataclass
class Context:
    viewer: Viewer
    store: ProfileStore
    viewed: RecentlyViewed
    preferences: DataLoader[str, profiles.Preferences]
    lagging_preferences: DataLoader[str, profiles.Preferences]
    """The same, from the read replica when there is one (for queries: :func:`may_lag`)."""


UsersInfo = Info[Context, None]
# What the router checks before planning; the resolvers check it again, and whose profile it is.
READS_PROFILE = [Authenticated(), Policy(policies=[[PROFILE_READ]])]
WRITES_PROFILE = [Authenticated(), Policy(policies=[[PROFILE_WRITE]])]


def _own(info: UsersInfo, user_id: str) -> None:
    """Only the user themself, or an admin."""
    viewer = info.context.viewer
    if not viewer.authenticated:
        raise client_error("sign in to see a profile", "UNAUTHENTICATED")
    if not (viewer.is_admin or viewer.subject == user_id):
        raise client_error("a profile is seen by its user and admins only", "FORBIDDEN")
    require_scope(viewer, PROFILE_READ)


def _signed_in(info: UsersInfo) -> str:
    """The signed-in user's id, for a change to their profile."""
    if not info.context.viewer.authenticated:
        raise client_error("sign in first", "UNAUTHENTICATED")
    require_scope(info.context.viewer, PROFILE_WRITE)
    return str(info.context.viewer.subject)


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Product:
    id: strawberry.ID


@strawberry.type(directives=[PRIVATE])
class Preferences:
    language: str
    currency: str
    newsletter: bool

    @classmethod
    def of(cls, p: profiles.Preferences) -> Preferences:
        return cls(language=p.language, currency=p.currency, newsletter=p.newsletter)


@strawberry.type(directives=[PRIVATE])
class Address:
    id: strawberry.ID
    label: str
    recipient: str
    line1: str
    line2: str
    city: str
    postal_code: str
    country: str
    is_default: bool

    @classmethod
    def of(cls, a: profiles.Address) -> Address:
        return cls(id=strawberry.ID(a.id), label=a.label, recipient=a.recipient, line1=a.line1,
                   line2=a.line2, city=a.city, postal_code=a.postal_code, country=a.country,
                   is_default=a.is_default)  # fmt: skip


@strawberry.federation.type(keys=["id"], directives=[PRIVATE])
class User:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)

    @strawberry.field(description="From the token: only for the signed-in user themself.")
    def name(self, info: UsersInfo) -> str | None:
        viewer = info.context.viewer
        return viewer.name if viewer.subject == str(self.id) else None

    @strawberry.field(description="From the token: only for the signed-in user themself.")
    def email(self, info: UsersInfo) -> str | None:
        viewer = info.context.viewer
        return viewer.email if viewer.subject == str(self.id) else None

    @strawberry.field(directives=READS_PROFILE)
    async def preferences(self, info: UsersInfo) -> Preferences:
        _own(info, str(self.id))
        loader = info.context.lagging_preferences if may_lag(info) else info.context.preferences
        return Preferences.of(await loader.load(str(self.id)))

    @strawberry.field(description="The default address first.",
                      directives=[assumed(profiles.MAX_ADDRESSES), *READS_PROFILE])  # fmt: skip
    async def addresses(self, info: UsersInfo) -> list[Address]:
        _own(info, str(self.id))
        return [Address.of(a) for a in await info.context.store.addresses(str(self.id))]

    @strawberry.field(description="Newest first, at most 20.",
                      directives=[sliced("first"), *READS_PROFILE])  # fmt: skip
    async def recently_viewed(self, info: UsersInfo, first: int = 10) -> list[Product]:
        _own(info, str(self.id))
        if not 1 <= first <= profiles.RECENTLY_VIEWED:
            raise client_error(f"first must be 1 to {profiles.RECENTLY_VIEWED}", "BAD_USER_INPUT")
        ids = await info.context.viewed.list(str(self.id), first)
        return [Product(id=strawberry.ID(i)) for i in ids]


@strawberry.input
class PreferencesInput:
    language: str | None = None
    currency: str | None = None
    newsletter: bool | None = None


@strawberry.input
class AddressInput:
    label: str
    recipient: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""


def _address_fields(given: AddressInput) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, limit in ADDRESS_LIMITS.items():
        value = str(getattr(given, name)).strip()
        if not value and name != "line2":
            raise client_error(f"{name} must not be empty", "BAD_USER_INPUT")
        if len(value) > limit:
            raise client_error(f"{name} is longer than {limit} characters", "BAD_USER_INPUT")
        fields[name] = value
    country = given.country.strip().upper()
    if not COUNTRY.match(country):
        raise client_error("country must be an ISO 3166 two-letter code", "BAD_USER_INPUT")
    fields["country"] = country
    return fields


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user; null when signed out.",
                      directives=[Authenticated()])  # fmt: skip
    def me(self, info: UsersInfo) -> User | None:
        viewer = info.context.viewer
        return User(id=strawberry.ID(str(viewer.subject))) if viewer.authenticated else None


@strawberry.type
class Mutation:
    @strawberry.mutation(directives=WRITES_PROFILE)
    async def update_preferences(self, info: UsersInfo, input: PreferencesInput) -> Preferences:
        user_id = _signed_in(info)
        [current] = await info.context.store.preferences([user_id])
        language = current.language if input.language is None else input.language.strip()
        currency = current.currency if input.currency is None else input.currency.strip().upper()
        if not LANGUAGE.match(language):
            raise client_error("language must look like 'en' or 'nb-NO'", "BAD_USER_INPUT")
        if currency not in CURRENCIES:
            raise client_error(f"currency must be one of {', '.join(sorted(CURRENCIES))}",
                               "BAD_USER_INPUT")  # fmt: skip
        newsletter = current.newsletter if input.newsletter is None else input.newsletter
        saved = await info.context.store.save_preferences(
            user_id, profiles.Preferences(language, currency, newsletter)
        )
        return Preferences.of(saved)

    @strawberry.mutation(directives=WRITES_PROFILE)
    async def add_address(self, info: UsersInfo, input: AddressInput) -> Address:
        user_id = _signed_in(info)
        try:
            return Address.of(await info.context.store.add_address(user_id, _address_fields(input)))
        except ProfileError as error:
            raise client_error(str(error), error.code) from error

    @strawberry.mutation(directives=WRITES_PROFILE)
    async def update_address(self, info: UsersInfo, id: strawberry.ID,
                             input: AddressInput) -> Address:  # fmt: skip
        user_id = _signed_in(info)
        try:
            return Address.of(
                await info.context.store.update_address(user_id, str(id), _address_fields(input))
            )
        except ProfileError as error:
            raise client_error(str(error), error.code) from error

    @strawberry.mutation(directives=WRITES_PROFILE)
    async def remove_address(self, info: UsersInfo, id: strawberry.ID) -> bool:
        user_id = _signed_in(info)
        try:
            await info.context.store.remove_address(user_id, str(id))
        except ProfileError as error:
            raise client_error(str(error), error.code) from error
        return True

    @strawberry.mutation(directives=WRITES_PROFILE)
    async def set_default_address(self, info: UsersInfo, id: strawberry.ID) -> Address:
        user_id = _signed_in(info)
        try:
            return Address.of(await info.context.store.set_default_address(user_id, str(id)))
        except ProfileError as error:
            raise client_error(str(error), error.code) from error

    @strawberry.mutation(description="Remember that the signed-in user looked at a product.",
                         directives=WRITES_PROFILE)  # fmt: skip
    async def record_product_view(self, info: UsersInfo, product_id: strawberry.ID) -> bool:
        user_id = _signed_in(info)
        product = str(product_id).strip()
        if not product or len(product) > 64:
            raise client_error("productId must be 1 to 64 characters", "BAD_USER_INPUT")
        await info.context.viewed.record(user_id, product)
        return True


schema = CodedSchema(query=Query, mutation=Mutation, types=[User, Product])
