"""Three subgraphs of a tiny shop: products, reviews and users."""

from __future__ import annotations

import asyncio

import strawberry
from strawberry.federation import Schema
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

PRODUCTS: dict[str, tuple[str, int]] = {
    "p1": ("Kettle", 2999),
    "p2": ("Teapot", 1999),
    "p3": ("Mug", 599),
}
REVIEWS = {
    "p1": [("Boils fast", "u1"), ("Loud", "u2"), ("Fine", "u1")],
    "p2": [("Lovely", "u2"), ("Cracked", "broken")],
    "p3": [],
}
USERS = {"u1": "Ada", "u2": "Grace", "broken": None}


# -- products ------------------------------------------------------------------------------------
@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID
    name: str
    price: int

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Product | None:
        return _product(id)


def _product(id: str) -> Product | None:
    row = PRODUCTS.get(id)
    return Product(id=strawberry.ID(id), name=row[0], price=row[1]) if row else None


@strawberry.type
class ProductsQuery:
    @strawberry.field
    def products(self) -> list[Product]:
        return [p for id in PRODUCTS if (p := _product(id)) is not None]

    @strawberry.field
    def product(self, id: strawberry.ID) -> Product | None:
        return _product(id)

    @strawberry.field
    async def slow(self, seconds: float = 0.5) -> str:
        await asyncio.sleep(seconds)
        return f"slept {seconds}s"


@strawberry.type
class ProductsMutation:
    """Not in ``shop_live.graphql``: tests that need a mutation add it to their own copy."""

    @strawberry.mutation
    async def slow_write(self, seconds: float = 0.5) -> str:
        await asyncio.sleep(seconds)
        return f"wrote after {seconds}s"


products_schema = Schema(query=ProductsQuery, mutation=ProductsMutation)


# -- reviews -------------------------------------------------------------------------------------
@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class User:
    id: strawberry.ID


@strawberry.type
class Review:
    body: str
    author: User | None


@strawberry.federation.type(keys=["id"], name="Product")
class ReviewedProduct:
    id: strawberry.ID

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [
            Review(body=body, author=User(id=strawberry.ID(author)))
            for body, author in REVIEWS.get(self.id, [])
        ]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ReviewedProduct:
        return ReviewedProduct(id=id)


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def review_count(self) -> int:
        return sum(len(r) for r in REVIEWS.values())


reviews_schema = Schema(query=ReviewsQuery, types=[ReviewedProduct])


# -- users ---------------------------------------------------------------------------------------
@strawberry.federation.type(keys=["id"], name="User")
class Account:
    id: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        name = USERS.get(self.id)
        if name is None:
            raise ValueError(f"user {self.id} has no name")
        return name

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Account:
        return Account(id=id)


@strawberry.type
class UsersQuery:
    @strawberry.field
    def me(self) -> Account:
        return Account(id=strawberry.ID("u1"))


users_schema = Schema(query=UsersQuery, types=[Account])

SCHEMAS = {"products": products_schema, "reviews": reviews_schema, "users": users_schema}
