"""The products subgraph's GraphQL schema (strawberry, Federation v2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.federation.schema_directives import Authenticated, Cost, Key, Policy
from strawberry.federation.types import FieldSet
from strawberry.types import Info

from subgraphs.common.auth import Viewer
from subgraphs.common.cache_control import INHERIT, CacheControl
from subgraphs.common.demand_control import PAGE_ITEMS, assumed, page_of
from subgraphs.common.errors import client_error
from subgraphs.common.pagination import decode_cursor, encode_cursor, page_size
from subgraphs.common.permissions import CATALOG_WRITE
from subgraphs.common.schema import CodedSchema
from subgraphs.common.types import Money, PageInfo
from subgraphs.products import model
from subgraphs.products.loaders import Loaders
from subgraphs.products.service import CatalogService, NewProduct
from subgraphs.products.store import Page, ProductChanges, ProductFilter, Seek


@dataclass
class Context:
    viewer: Viewer
    loaders: Loaders
    service: CatalogService
    cdn_base_url: str


ProductInfo = Info[Context, None]


def money(value: model.Money) -> Money:
    return Money(amount=value.amount, currency=value.currency)


@strawberry.input
class MoneyInput:
    amount: int
    currency: str

    def value(self) -> model.Money:
        return model.Money(self.amount, self.currency.upper())


@strawberry.type(directives=[INHERIT])
class Attribute:
    name: str
    value: str


@strawberry.input
class AttributeInput:
    name: str
    value: str


@strawberry.enum
class ImageSize(Enum):
    THUMBNAIL = 120
    SMALL = 320
    MEDIUM = 640
    LARGE = 1280


@strawberry.type(directives=[INHERIT])
class Image:
    key: str
    base_url: strawberry.Private[str]

    @strawberry.field(description="The image resized to the given width by the CDN.")
    def url(self, size: ImageSize = ImageSize.MEDIUM) -> str:
        return f"{self.base_url}/w_{size.value}/{self.key}"

    @strawberry.field(description="Every size, for an HTML srcset attribute.")
    def srcset(self) -> str:
        return ", ".join(f"{self.url(size)} {size.value}w" for size in ImageSize)


# What a catalog entry holds, for demand control: about this many of each.
ATTRIBUTES = 10
VARIANTS = 10
IMAGES = 8
CATEGORIES_PER_PRODUCT = 5
SUBCATEGORIES = 20
TOP_CATEGORIES = 20
# One store query per parent (a page and its count), where the loaders batch everything else.
PER_PARENT_QUERY = 5
# A catalog write also appends a CatalogChanged event that the search index and the orders
# subgraph follow.
CATALOG_WRITE_WEIGHT = 10
# What the router checks before planning; the service checks it again, and who owns what.
WRITES_CATALOG = [Cost(weight=CATALOG_WRITE_WEIGHT), Authenticated(),
                  Policy(policies=[[CATALOG_WRITE]])]  # fmt: skip


@strawberry.type(directives=[INHERIT])
class Variant:
    sku: str
    name: str
    attributes: list[Attribute] = strawberry.field(directives=[assumed(ATTRIBUTES)])
    price: Money


@strawberry.type(directives=[INHERIT])
class RatingSummary:
    count: int
    average: float | None


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class User:
    id: strawberry.ID


@strawberry.type(directives=[CacheControl(max_age=60)])
class Review:
    id: strawberry.ID
    rating: int
    title: str
    body: str
    created_at: datetime
    author: User
    product_id: strawberry.Private[str]

    @classmethod
    def of(cls, review: model.Review) -> Review:
        return cls(
            id=strawberry.ID(review.id),
            rating=review.rating,
            title=review.title,
            body=review.body,
            created_at=review.created_at,
            author=User(id=strawberry.ID(review.author_id)),
            product_id=review.product_id,
        )

    @strawberry.field
    async def product(self, info: ProductInfo) -> Product | None:
        found = await info.context.loaders.product_by_id.load(self.product_id)
        return Product.of(found) if found else None


@strawberry.type(directives=[INHERIT])
class ReviewConnection:
    nodes: list[Review] = strawberry.field(directives=[PAGE_ITEMS])
    page_info: PageInfo
    total_count: int


@strawberry.federation.type(keys=["id"], directives=[CacheControl(max_age=300)])
class Vendor:
    id: strawberry.ID
    name: str

    @classmethod
    async def resolve_reference(cls, info: ProductInfo, id: strawberry.ID) -> Vendor | None:
        found = await info.context.loaders.vendor_by_id.load(str(id))
        return Vendor(id=strawberry.ID(found.id), name=found.name) if found else None

    @strawberry.field(directives=[page_of("edges"), Cost(weight=PER_PARENT_QUERY)])
    async def products(self, info: ProductInfo, first: int = 20,
                       after: str | None = None) -> ProductConnection:  # fmt: skip
        return await _products(info, ProductFilter(vendor_id=str(self.id)), first, after)


@strawberry.federation.type(keys=["id"], directives=[CacheControl(max_age=300)])
class Category:
    id: strawberry.ID
    name: str
    slug: str
    parent_id: strawberry.Private[str | None]

    @classmethod
    def of(cls, category: model.Category) -> Category:
        return cls(id=strawberry.ID(category.id), name=category.name, slug=category.slug,
                   parent_id=category.parent_id)  # fmt: skip

    @classmethod
    async def resolve_reference(cls, info: ProductInfo, id: strawberry.ID) -> Category | None:
        found = await info.context.loaders.category(str(id))
        return Category.of(found) if found else None

    @strawberry.field
    async def parent(self, info: ProductInfo) -> Category | None:
        if self.parent_id is None:
            return None
        found = await info.context.loaders.category(self.parent_id)
        return Category.of(found) if found else None

    @strawberry.field(directives=[assumed(SUBCATEGORIES)])
    async def children(self, info: ProductInfo) -> list[Category]:
        tree = await info.context.loaders.category_tree()
        return [Category.of(c) for c in tree.children.get(str(self.id), [])]

    @strawberry.field(description="Products in this category and its subcategories.",
                      directives=[page_of("edges"), Cost(weight=PER_PARENT_QUERY)])  # fmt: skip
    async def products(self, info: ProductInfo, first: int = 20,
                       after: str | None = None) -> ProductConnection:  # fmt: skip
        tree = await info.context.loaders.category_tree()
        where = ProductFilter(category_ids=tree.subtree_ids(str(self.id)))
        return await _products(info, where, first, after)


@strawberry.federation.type(keys=["id", "sku"], directives=[CacheControl(max_age=60)])
class Product:
    id: strawberry.ID
    sku: str
    name: str
    description: str
    brand: str
    price: Money
    created_at: datetime
    updated_at: datetime
    record: strawberry.Private[model.Product]

    @classmethod
    def of(cls, product: model.Product) -> Product:
        return cls(id=strawberry.ID(product.id), sku=product.sku, name=product.name,
                   description=product.description, brand=product.brand,
                   price=money(product.price), created_at=product.created_at,
                   updated_at=product.updated_at, record=product)  # fmt: skip

    @classmethod
    async def resolve_reference(
        cls, info: ProductInfo, id: strawberry.ID | None = None, sku: str | None = None
    ) -> Product | None:
        loaders = info.context.loaders
        found = await (loaders.product_by_id.load(str(id)) if id is not None
                       else loaders.product_by_sku.load(str(sku)))  # fmt: skip
        return Product.of(found) if found else None

    @strawberry.field(directives=[assumed(ATTRIBUTES)])
    def attributes(self) -> list[Attribute]:
        return [Attribute(name=k, value=v) for k, v in sorted(self.record.attributes.items())]

    @strawberry.field(directives=[assumed(VARIANTS)])
    def variants(self) -> list[Variant]:
        return [
            Variant(
                sku=v.sku,
                name=v.name,
                price=money(v.price or self.record.price),
                attributes=[Attribute(name=k, value=x) for k, x in sorted(v.attributes.items())],
            )
            for v in self.record.variants
        ]

    @strawberry.field(directives=[assumed(IMAGES)])
    def images(self, info: ProductInfo) -> list[Image]:
        return [Image(key=k, base_url=info.context.cdn_base_url) for k in self.record.image_keys]

    @strawberry.field
    def rating(self) -> RatingSummary:
        count, total = self.record.rating_count, self.record.rating_total
        return RatingSummary(count=count, average=round(total / count, 2) if count else None)

    @strawberry.field(directives=[assumed(CATEGORIES_PER_PRODUCT)])
    async def categories(self, info: ProductInfo) -> list[Category]:
        found = [await info.context.loaders.category(c) for c in self.record.category_ids]
        return [Category.of(c) for c in found if c is not None]

    @strawberry.field
    async def vendor(self, info: ProductInfo) -> Vendor | None:
        found = await info.context.loaders.vendor_by_id.load(self.record.vendor_id)
        return Vendor(id=strawberry.ID(found.id), name=found.name) if found else None

    @strawberry.field(directives=[page_of("nodes"), Cost(weight=PER_PARENT_QUERY)])
    async def reviews(self, info: ProductInfo, first: int = 10,
                      after: str | None = None) -> ReviewConnection:  # fmt: skip
        page = await info.context.loaders.store.reviews_for_product(
            str(self.id), Seek(page_size(first), decode_cursor(after))
        )
        return ReviewConnection(
            nodes=[Review.of(r) for r in page.items],
            page_info=_page_info(page, [r.id for r in page.items]),
            total_count=page.total,
        )


@strawberry.type(directives=[INHERIT])
class ProductEdge:
    cursor: str
    node: Product


@strawberry.type(directives=[INHERIT])
class ProductConnection:
    edges: list[ProductEdge] = strawberry.field(directives=[PAGE_ITEMS])
    page_info: PageInfo
    total_count: int


@strawberry.input
class ProductFilterInput:
    category_id: strawberry.ID | None = None
    vendor_id: strawberry.ID | None = None
    min_price: int | None = None
    max_price: int | None = None


@strawberry.input
class CreateProductInput:
    sku: str
    name: str
    category_ids: list[strawberry.ID]
    price: MoneyInput
    vendor_id: strawberry.ID
    description: str = ""
    brand: str = ""
    attributes: list[AttributeInput] = strawberry.field(default_factory=list)
    image_keys: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateProductInput:
    name: str | None = None
    description: str | None = None
    brand: str | None = None
    category_ids: list[strawberry.ID] | None = None
    attributes: list[AttributeInput] | None = None
    image_keys: list[str] | None = None


def _page_info(page: Page[Any], keys: list[str]) -> PageInfo:
    return PageInfo(
        has_next_page=page.has_next, end_cursor=encode_cursor(keys[-1]) if keys else None
    )


async def _products(info: ProductInfo, where: ProductFilter, first: int,
                    after: str | None) -> ProductConnection:  # fmt: skip
    page = await info.context.loaders.store.find_products(
        where, Seek(page_size(first), decode_cursor(after))
    )
    for product in page.items:
        info.context.loaders.product_by_id.prime(product.id, product)
    return ProductConnection(
        edges=[ProductEdge(cursor=encode_cursor(p.id), node=Product.of(p)) for p in page.items],
        page_info=_page_info(page, [p.id for p in page.items]),
        total_count=page.total,
    )


@strawberry.type
class Query:
    @strawberry.field(description="A product by id or by SKU (give exactly one).")
    async def product(self, info: ProductInfo, id: strawberry.ID | None = None,
                      sku: str | None = None) -> Product | None:  # fmt: skip
        if (id is None) == (sku is None):
            raise client_error("give exactly one of id and sku", "BAD_USER_INPUT")
        return await Product.resolve_reference(info, id=id, sku=sku)

    @strawberry.field(directives=[page_of("edges"), Cost(weight=PER_PARENT_QUERY)])
    async def products(self, info: ProductInfo, filter: ProductFilterInput | None = None,
                       first: int = 20, after: str | None = None) -> ProductConnection:  # fmt: skip
        where = ProductFilter()
        if filter is not None:
            category_ids: list[str] = []
            if filter.category_id is not None:
                tree = await info.context.loaders.category_tree()
                category_ids = tree.subtree_ids(str(filter.category_id))
            if (
                filter.min_price is not None
                and filter.max_price is not None
                and (filter.min_price > filter.max_price)
            ):
                raise client_error("minPrice is greater than maxPrice", "BAD_USER_INPUT")
            where = ProductFilter(category_ids, filter.vendor_id and str(filter.vendor_id),
                                  filter.min_price, filter.max_price)  # fmt: skip
        return await _products(info, where, first, after)

    @strawberry.field(description="The top of the category tree.",
                      directives=[assumed(TOP_CATEGORIES)])  # fmt: skip
    async def categories(self, info: ProductInfo) -> list[Category]:
        tree = await info.context.loaders.category_tree()
        return [Category.of(c) for c in tree.children.get(None, [])]


def _attributes(items: list[AttributeInput] | None) -> dict[str, str] | None:
    return None if items is None else {a.name: a.value for a in items}


@strawberry.type
class Mutation:
    @strawberry.mutation(directives=WRITES_CATALOG)
    async def create_product(self, info: ProductInfo, input: CreateProductInput) -> Product:
        new = NewProduct(sku=input.sku, name=input.name, description=input.description,
                         brand=input.brand, category_ids=[str(c) for c in input.category_ids],
                         price=input.price.value(), vendor_id=str(input.vendor_id),
                         attributes=_attributes(input.attributes) or {},
                         image_keys=input.image_keys)  # fmt: skip
        return Product.of(await info.context.service.create_product(info.context.viewer, new))

    @strawberry.mutation(directives=WRITES_CATALOG)
    async def update_product(self, info: ProductInfo, id: strawberry.ID,
                             input: UpdateProductInput) -> Product:  # fmt: skip
        category_ids = None if input.category_ids is None else [str(c) for c in input.category_ids]
        changes = ProductChanges(
            name=input.name,
            description=input.description,
            brand=input.brand,
            category_ids=category_ids,
            attributes=_attributes(input.attributes),
            image_keys=input.image_keys,
        )
        updated = await info.context.service.update_product(info.context.viewer, str(id), changes)
        return Product.of(updated)

    @strawberry.mutation(directives=WRITES_CATALOG)
    async def set_product_price(self, info: ProductInfo, id: strawberry.ID,
                                price: MoneyInput) -> Product:  # fmt: skip
        updated = await info.context.service.set_price(info.context.viewer, str(id), price.value())
        return Product.of(updated)

    @strawberry.mutation(directives=[Cost(weight=CATALOG_WRITE_WEIGHT), Authenticated()])
    async def add_review(self, info: ProductInfo, product_id: strawberry.ID, rating: int,
                         title: str, body: str) -> Review:  # fmt: skip
        review = await info.context.service.add_review(
            info.context.viewer, str(product_id), rating, title, body
        )
        return Review.of(review)


schema = CodedSchema(query=Query, mutation=Mutation, types=[Product, Category, Vendor, User])
