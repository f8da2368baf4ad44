"""Three subgraphs of shops selling in their markets, for contextual arguments (@fromContext):
storefront sets the contexts and reads them, markets keeps each shop's currency, catalog the
product names. Prices and labels echo the context they were given, so tests see it."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.federation import Schema
from strawberry.federation.schema_directives import Context, FromContext

SHOPS = {
    "s1": ("Paris", "fr-FR", ["p1", "p2"], "o1"),
    "s2": ("London", "en-GB", ["p2", "p3"], None),
}
CURRENCIES = {"s1": "EUR", "s2": "GBP"}
OUTLETS = {"o1": ("CHF", "de", ["p1"])}
PRODUCTS = {"p1": ("Kettle", 2999), "p2": ("Teapot", 1999), "p3": ("Mug", 599)}


# Contextual arguments: nullable, with no default (strawberry's UNSET prints none).
MarketCurrency = Annotated[
    str | None, strawberry.argument(directives=[FromContext(field="$market { currency }")])
]
MarketLocale = Annotated[
    str | None,
    strawberry.argument(
        directives=[FromContext(field="$market ... on Shop { locale } ... on Outlet { language }")]
    ),
]
DisplayTitle = Annotated[
    str | None, strawberry.argument(directives=[FromContext(field="$display { title }")])
]
PromoCode = Annotated[
    str | None,
    strawberry.argument(
        directives=[FromContext(field="$promo ... on Bundle { code } ... on Coupon { voucher }")]
    ),
]


# -- storefront ----------------------------------------------------------------------------------
@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID

    @strawberry.field
    def price(self, currency: MarketCurrency = strawberry.UNSET) -> str:
        return f"{PRODUCTS[self.id][1] / 100:.2f} {currency or 'USD'}"

    @strawberry.field
    def label(self, locale: MarketLocale = strawberry.UNSET) -> str:
        return f"{self.id}@{locale or 'default'}"


def _products(ids: list[str]) -> list[Product]:
    return [Product(id=strawberry.ID(i)) for i in ids]


@strawberry.federation.type(keys=["id"], directives=[Context(name="market")])
class Outlet:
    id: strawberry.ID
    currency: str
    language: str | None
    clearance: list[Product]


def _outlet(id: str | None) -> Outlet | None:
    if id is None:
        return None
    currency, language, clearance = OUTLETS[id]
    return Outlet(id=strawberry.ID(id), currency=currency, language=language,
                  clearance=_products(clearance))  # fmt: skip


@strawberry.federation.type(keys=["id"], directives=[Context(name="market")])
class Shop:
    id: strawberry.ID
    name: str
    locale: str
    currency: str = strawberry.federation.field(external=True)
    products: list[Product]
    outlet: Outlet | None


def _shop(id: str) -> Shop:
    name, locale, products, outlet = SHOPS[id]
    return Shop(id=strawberry.ID(id), name=name, locale=locale, currency="",
                products=_products(products), outlet=_outlet(outlet))  # fmt: skip


@strawberry.federation.type(keys=["id"])
class Sticker:
    id: strawberry.ID

    @strawberry.field
    def caption(self, title: DisplayTitle = strawberry.UNSET) -> str:
        return f"{self.id}: {title}"


@strawberry.interface(directives=[Context(name="display")])
class Showcase:
    title: str


@strawberry.federation.type(keys=["id"])
class Banner(Showcase):
    id: strawberry.ID
    sticker: Sticker


def _banner(id: str, title: str) -> Banner:
    return Banner(id=strawberry.ID(id), title=title, sticker=Sticker(id=strawberry.ID("k1")))


@strawberry.federation.type(keys=["id"])
class Gift:
    id: strawberry.ID

    @strawberry.field
    def note(self, code: PromoCode = strawberry.UNSET) -> str | None:
        if code == "MUG10":
            raise ValueError("gift notes are not printed for coupons")
        return f"{self.id} with {code}"


@strawberry.federation.type(keys=["id"])
class Bundle:
    id: strawberry.ID
    code: str
    gift: Gift | None


@strawberry.federation.type(keys=["id"])
class Coupon:
    id: strawberry.ID
    voucher: str
    gift: Gift | None


Promotion = Annotated[
    Bundle | Coupon, strawberry.union("Promotion", directives=[Context(name="promo")])
]


@strawberry.type
class StorefrontQuery:
    @strawberry.field
    def shops(self) -> list[Shop]:
        return [_shop(id) for id in SHOPS]

    @strawberry.field
    def shop(self, id: strawberry.ID) -> Shop | None:
        return _shop(id) if id in SHOPS else None

    @strawberry.field
    def featured(self) -> Showcase:
        return _banner("b1", "Spring sale")

    @strawberry.field
    def banners(self) -> list[Banner]:
        """Banners reached as themselves: their interface's context holds all the same."""
        return [_banner("b1", "Spring sale"), _banner("b2", "Last call")]

    @strawberry.field
    def promotions(self) -> list[Promotion]:
        gift = Gift(id=strawberry.ID("g1"))
        return [Bundle(id=strawberry.ID("d1"), code="TEA2", gift=gift),
                Coupon(id=strawberry.ID("c1"), voucher="MUG10", gift=gift)]  # fmt: skip


storefront_schema = Schema(
    query=StorefrontQuery, types=[Banner, Bundle, Coupon], federation_version="2.8"
)


# -- markets -------------------------------------------------------------------------------------
@strawberry.federation.type(keys=["id"], name="Shop")
class MarketShop:
    id: strawberry.ID

    @strawberry.field
    def currency(self) -> str:
        return CURRENCIES[self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> MarketShop:
        return MarketShop(id=id)


@strawberry.type
class MarketsQuery:
    @strawberry.field
    def currencies(self) -> list[str]:
        return sorted(set(CURRENCIES.values()))


markets_schema = Schema(query=MarketsQuery, types=[MarketShop], federation_version="2.8")


# -- catalog -------------------------------------------------------------------------------------
@strawberry.federation.type(keys=["id"], name="Product")
class CatalogProduct:
    id: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        return PRODUCTS[self.id][0]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> CatalogProduct:
        return CatalogProduct(id=id)


@strawberry.type
class CatalogQuery:
    @strawberry.field
    def catalog_size(self) -> int:
        return len(PRODUCTS)


catalog_schema = Schema(query=CatalogQuery, types=[CatalogProduct], federation_version="2.8")

SCHEMAS = {"storefront": storefront_schema, "markets": markets_schema, "catalog": catalog_schema}
