"""The deterministic demo catalog: 40 categories, 12 vendors, about 2,000 products, reviews.

The same call always gives the same data (a fixed random seed, fixed ids), so loading it twice
changes nothing and tests can name products by id. Twenty hand-written products with
distinctive names and descriptions come first (``p-0001`` to ``p-0020``): the search quality
test looks for them; the rest are generated from each category's nouns, brands and features.
The demo customers' orders (:data:`DEMO_ORDERS`) go with the catalog, so the order history
and the vendors' order lists show something from the first start.
This module makes plain values only; ``shopgraph seed`` writes them through the stores' ports.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

SEED = 20261124
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_PRODUCTS = 2000


@dataclass(frozen=True)
class SeedCategory:
    id: str
    name: str
    slug: str
    parent_id: str | None


@dataclass(frozen=True)
class SeedVendor:
    id: str
    name: str


@dataclass(frozen=True)
class SeedReview:
    id: str
    author_id: str
    rating: int
    title: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class SeedProduct:
    id: str
    sku: str
    name: str
    description: str
    brand: str
    category_id: str
    vendor_id: str
    price: int
    """Minor units, EUR."""
    created_at: datetime
    attributes: dict[str, str] = field(default_factory=dict)
    variants: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    """(sku, name, attributes)."""
    image_keys: list[str] = field(default_factory=list)
    reviews: list[SeedReview] = field(default_factory=list)


@dataclass(frozen=True)
class SeedCatalog:
    categories: list[SeedCategory]
    vendors: list[SeedVendor]
    products: list[SeedProduct]


# Department -> subcategory -> (nouns, features). 8 departments x 4 subcategories = 40.
DEPARTMENTS: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "Kitchen": {
        "Cookware": (["Frying Pan", "Saucepan", "Stockpot", "Wok", "Dutch Oven"],
                     ["induction ready", "oven safe to 260 °C", "riveted handles", "tri-ply base"]),
        "Small Appliances": (["Toaster", "Blender", "Kettle", "Food Processor", "Rice Cooker"],
                             ["auto shut-off", "dishwasher-safe parts", "compact footprint"]),
        "Cutlery": (["Paring Knife", "Bread Knife", "Santoku Knife", "Knife Block", "Honing Rod"],
                    ["high-carbon steel", "full tang", "ergonomic grip", "hand sharpened"]),
        "Tableware": (["Dinner Plate Set", "Serving Bowl", "Mug Set", "Wine Glasses", "Teapot"],
                      ["stoneware", "chip resistant", "microwave safe", "hand glazed"]),
    },
    "Electronics": {
        "Audio": (["Bluetooth Speaker", "Earbuds", "Soundbar", "Turntable", "Headphones"],
                  ["long battery life", "deep bass", "water resistant", "multipoint pairing"]),
        "Computers": (["Laptop Stand", "Mechanical Keyboard", "Wireless Mouse", "USB-C Hub",
                       "Monitor Arm"], ["aluminium body", "plug and play", "low profile"]),
        "Smart Home": (["Smart Plug", "Video Doorbell", "Smart Bulb", "Thermostat",
                        "Motion Sensor"], ["voice assistant support", "app control", "scheduling"]),
        "Cameras": (["Action Camera", "Camera Tripod", "Camera Bag", "Lens Filter", "Gimbal"],
                    ["4K recording", "image stabilisation", "weather sealed", "lightweight"]),
    },
    "Outdoors": {
        "Camping": (["Tent", "Sleeping Bag", "Camping Stove", "Lantern", "Sleeping Pad"],
                    ["ultralight", "waterproof", "packs small", "three-season"]),
        "Hiking": (["Backpack", "Trekking Poles", "Water Bottle", "Hydration Pack", "Gaiters"],
                   ["breathable", "adjustable straps", "reflective details"]),
        "Cycling": (["Bike Helmet", "Bike Light", "Bike Lock", "Cycling Gloves", "Saddle Bag"],
                    ["USB rechargeable", "high visibility", "aerodynamic"]),
        "Garden": (["Garden Hose", "Pruning Shears", "Planter", "Watering Can", "Garden Kneeler"],
                   ["rust proof", "UV stable", "frost resistant"]),
    },
    "Home": {
        "Bedding": (["Duvet Cover", "Pillow", "Weighted Blanket", "Fitted Sheet",
                     "Mattress Topper"],
                    ["organic cotton", "hypoallergenic", "machine washable", "breathable weave"]),
        "Lighting": (["Floor Lamp", "Desk Lamp", "Pendant Light", "String Lights", "Wall Sconce"],
                     ["dimmable", "warm white", "energy efficient", "brass finish"]),
        "Storage": (["Storage Box", "Shoe Rack", "Coat Hooks", "Bookshelf", "Laundry Basket"],
                    ["stackable", "solid oak", "space saving", "easy assembly"]),
        "Decor": (["Wall Clock", "Vase", "Picture Frame", "Throw Cushion", "Mirror"],
                  ["handmade", "Scandinavian design", "recycled glass"]),
    },
    "Sports": {
        "Fitness": (["Yoga Mat", "Dumbbell Set", "Kettlebell", "Resistance Bands", "Jump Rope"],
                    ["non-slip", "adjustable weight", "sweat resistant"]),
        "Running": (["Running Shoes", "Running Vest", "Running Belt", "Sports Socks", "Armband"],
                    ["cushioned", "reflective", "moisture wicking", "lightweight mesh"]),
        "Swimming": (["Swim Goggles", "Swim Cap", "Kickboard", "Swimsuit", "Pull Buoy"],
                     ["anti-fog", "chlorine resistant", "quick dry"]),
        "Team Sports": (["Football", "Basketball", "Volleyball", "Shin Guards",
                         "Goalkeeper Gloves"], ["match grade", "durable stitching", "all weather"]),
    },
    "Fashion": {
        "Jackets": (["Rain Jacket", "Down Jacket", "Fleece Jacket", "Softshell Jacket", "Parka"],
                    ["windproof", "recycled fabric", "packable hood", "water repellent"]),
        "Shoes": (["Sneakers", "Chelsea Boots", "Loafers", "Sandals", "Hiking Boots"],
                  ["leather upper", "rubber sole", "memory foam insole"]),
        "Bags": (["Tote Bag", "Messenger Bag", "Duffel Bag", "Wallet", "Belt Bag"],
                 ["vegan leather", "padded laptop sleeve", "zip pockets"]),
        "Accessories": (["Sunglasses", "Beanie", "Scarf", "Leather Belt", "Watch Strap"],
                        ["polarised", "merino wool", "adjustable fit"]),
    },
    "Beauty": {
        "Skincare": (["Face Cream", "Serum", "Cleanser", "Sunscreen", "Face Mask"],
                     ["fragrance free", "vegan formula", "for sensitive skin"]),
        "Hair Care": (["Shampoo", "Conditioner", "Hair Dryer", "Hair Brush", "Hair Oil"],
                      ["sulphate free", "ionic technology", "for curly hair"]),
        "Fragrance": (["Eau de Parfum", "Body Mist", "Scented Candle", "Diffuser", "Room Spray"],
                      ["long lasting", "natural oils", "refillable"]),
        "Bath": (["Bath Towel", "Bath Salts", "Body Wash", "Loofah", "Bath Robe"],
                 ["Turkish cotton", "plastic free", "quick drying"]),
    },
    "Toys": {
        "Building Toys": (["Building Blocks", "Marble Run", "Construction Set", "Magnetic Tiles",
                           "Train Set"], ["ages 3 and up", "wooden", "compatible pieces"]),
        "Games": (["Board Game", "Card Game", "Puzzle", "Chess Set", "Dice Game"],
                  ["2 to 6 players", "family friendly", "travel size"]),
        "Outdoor Toys": (["Kite", "Water Blaster", "Frisbee", "Scooter", "Sandpit Set"],
                         ["weatherproof", "easy to assemble", "sturdy"]),
        "Baby": (["Rattle", "Play Mat", "Soft Toy", "Teether", "Stacking Cups"],
                 ["BPA free", "machine washable", "sensory textures"]),
    },
}  # fmt: skip

VENDORS = [
    "Northwind Traders", "Contoso Home", "Fabrikam Outdoor", "Tailspin Toys", "Adventure Works",
    "Wide World Importers", "Litware Electronics", "Proseware", "Lucerne Beauty", "Margie's Travel",
    "Coho Sports", "Alpine Ski House",
]  # fmt: skip
BRANDS = [
    "Aurora", "Borealis", "Cobalt", "Driftwood", "Ember", "Fjord", "Granite", "Harbor", "Iris",
    "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orchard", "Pinecrest", "Quill",
    "Riverstone", "Summit", "Tidewater",
]  # fmt: skip
ADJECTIVES = [
    "Classic", "Compact", "Deluxe", "Essential", "Everyday", "Heritage", "Modern", "Premium",
    "Pro", "Signature", "Studio", "Urban", "Voyager", "Nordic", "Elite",
]  # fmt: skip
REVIEW_TITLES = {
    5: ["Excellent", "Love it", "Exactly as described", "Best purchase this year"],
    4: ["Very good", "Solid choice", "Happy with it"],
    3: ["It's fine", "Does the job", "Average"],
    2: ["Disappointing", "Not great"],
    1: ["Broke quickly", "Would not buy again"],
}
REVIEWERS = [f"u-customer-{n}" for n in range(1, 41)]
REVIEW_COUNTS = [0, 1, 2, 3, 5, 8, 13, 20]
REVIEW_COUNT_WEIGHTS = [35, 22, 15, 10, 8, 6, 3, 1]

# (name, brand, subcategory, price in cents, description): the products the search quality
# test looks for. Their words are chosen to be findable, not to be the only matches.
HEROES: list[tuple[str, str, str, int, str]] = [
    ("Aurora Noise-Cancelling Headphones", "Aurora", "Audio", 24900,
     "Over-ear wireless headphones with active noise cancelling and 40 hours of battery."),
    ("Barista Espresso Machine", "Ember", "Small Appliances", 54900,
     "Pump espresso machine with a steam wand to froth milk for cappuccino and latte."),
    ("Cast Iron Skillet 28 cm", "Granite", "Cookware", 4900,
     "Pre-seasoned cast iron skillet that goes from stovetop to oven to campfire."),
    ("Trailblazer Trail Running Shoes", "Summit", "Running", 12900,
     "Grippy trail running shoes with a rock plate for muddy mountain paths."),
    ("Stormproof Two-Person Tent", "Fjord", "Camping", 32900,
     "Freestanding two-person tent with a full-coverage rainfly for stormy nights."),
    ("Merino Wool Beanie", "Pinecrest", "Accessories", 2900,
     "Soft, itch-free merino wool beanie that keeps you warm without overheating."),
    ("Silk Pillowcase", "Iris", "Bedding", 3900,
     "Mulberry silk pillowcase, gentle on hair and skin."),
    ("Cordless Stick Vacuum", "Cobalt", "Small Appliances", 29900,
     "Lightweight cordless vacuum cleaner with a HEPA filter and 60 minutes of runtime."),
    ("Sourdough Starter Kit", "Orchard", "Tableware", 2400,
     "Everything for baking sourdough bread: a glass jar, a proofing basket and a lame."),
    ("Ergonomic Split Keyboard", "Quill", "Computers", 17900,
     "Split mechanical keyboard with tenting feet to ease wrist strain."),
    ("Solar Power Bank 20000 mAh", "Lumen", "Camping", 5900,
     "Rugged power bank with a solar panel to charge phones off the grid."),
    ("Bamboo Cutting Board", "Driftwood", "Cutlery", 2900,
     "Thick bamboo chopping board with a juice groove, kind to knife edges."),
    ("Kids Balance Bike", "Tidewater", "Outdoor Toys", 8900,
     "Pedal-free balance bike for toddlers learning to ride, with an adjustable seat."),
    ("Insulated Water Bottle 750 ml", "Nimbus", "Hiking", 3400,
     "Vacuum insulated stainless steel bottle: cold for 24 hours, hot for 12."),
    ("Vitamin C Brightening Serum", "Iris", "Skincare", 3200,
     "Daily vitamin C serum for a brighter, more even skin tone."),
    ("Foam Roller for Recovery", "Kestrel", "Fitness", 2900,
     "High-density foam roller for muscle recovery and myofascial release after workouts."),
    ("Wooden Train Set", "Harbor", "Building Toys", 6900,
     "Beechwood railway with a bridge, a tunnel and magnetic carriages."),
    ("Waterproof Hiking Boots", "Granite", "Shoes", 15900,
     "Leather hiking boots with a waterproof membrane and ankle support."),
    ("Smart Video Doorbell", "Meridian", "Smart Home", 13900,
     "See who is at the door from your phone: HD video, night vision and two-way talk."),
    ("Linen Duvet Cover", "Juniper", "Bedding", 11900,
     "Stonewashed French linen duvet cover that gets softer with every wash."),
]  # fmt: skip


def slug(name: str) -> str:
    return "-".join("".join(c for c in word if c.isalnum()) for word in name.lower().split())


def categories() -> list[SeedCategory]:
    found: list[SeedCategory] = []
    for department, subcategories in DEPARTMENTS.items():
        parent = SeedCategory(f"c-{slug(department)}", department, slug(department), None)
        found.append(parent)
        for name in list(subcategories)[:4]:
            found.append(SeedCategory(f"c-{slug(name)}", name, slug(name), parent.id))
    return found[:40]


def vendors() -> list[SeedVendor]:
    return [SeedVendor(f"v-{n:02d}", name) for n, name in enumerate(VENDORS, start=1)]


def build_catalog(product_count: int = DEFAULT_PRODUCTS) -> SeedCatalog:
    """The demo catalog; ``product_count`` products (at least the 20 hand-written ones)."""
    rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
    cats = categories()
    subcategories = {c.name: c for c in cats if c.parent_id is not None}
    nouns = {name: spec for d in DEPARTMENTS.values() for name, spec in d.items()}
    products: list[SeedProduct] = []
    for n in range(1, product_count + 1):
        if n <= len(HEROES):
            name, brand, subcategory, price, description = HEROES[n - 1]
        else:
            subcategory = list(subcategories)[(n - 1) % len(subcategories)]
            noun_list, features = nouns[subcategory]
            brand = rng.choice(BRANDS)
            noun = rng.choice(noun_list)
            name = f"{brand} {rng.choice(ADJECTIVES)} {noun}"
            chosen = rng.sample(features, k=min(2, len(features)))
            description = f"{noun} from {brand}: {chosen[0]}" + (
                f", {chosen[1]}." if len(chosen) > 1 else "."
            )
            price = rng.choice([499, 999, 1499, 1999, 2499, 2999, 3999, 4999, 7999, 9999, 14999,
                                19999, 29999])  # fmt: skip
        products.append(_product(rng, n, name, brand, subcategories[subcategory], price,
                                 description))  # fmt: skip
    return SeedCatalog(cats, vendors(), products)


def _product(rng: random.Random, n: int, name: str, brand: str, category: SeedCategory,
             price: int, description: str) -> SeedProduct:  # fmt: skip
    sku = f"SG-{n:05d}"
    product_id = f"p-{n:04d}"
    created = EPOCH + timedelta(hours=n * 3)
    variants = []
    if rng.random() < 0.3:
        variants = [(f"{sku}-{size}", f"Size {size}", {"size": size}) for size in ("S", "M", "L")]
    reviews = _reviews(n, name, created)
    return SeedProduct(
        id=product_id, sku=sku, name=name, description=description, brand=brand,
        category_id=category.id, vendor_id=f"v-{1 + (n - 1) % len(VENDORS):02d}", price=price,
        created_at=created,
        variants=variants, image_keys=[f"products/{product_id}/main.jpg"], reviews=reviews,
    )  # fmt: skip


@dataclass(frozen=True)
class SeedOrder:
    """A demo order; its times are ages, counted back from the moment of seeding, so that a
    demo started any day shows an order delivered weeks ago and one shipped days ago."""

    key: str
    """The idempotency key: seeding again finds the order by it instead of placing another."""
    user_id: str
    lines: list[tuple[str, int]]
    """(product id, quantity)."""
    shipping: dict[str, str]
    placed_ago: timedelta
    changes: list[tuple[str, timedelta, str]] = field(default_factory=list)
    """(status, age, note) after placing, oldest first: SHIPPED, DELIVERED or CANCELLED."""


ALICE_ADDRESS = {"recipient": "Alice Moreau", "line1": "12 Rue des Lilas", "line2": "",
                 "city": "Lyon", "postal_code": "69003", "country": "FR"}  # fmt: skip
BOB_ADDRESS = {"recipient": "Bob Lindqvist", "line1": "Storgatan 8", "line2": "lgh 1102",
               "city": "Uppsala", "postal_code": "753 20", "country": "SE"}  # fmt: skip
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)

# Lines from vendor v-01 (p-0013, p-0025, p-0049) and v-02 (p-0026, p-0038, p-0050) so both
# demo vendors find orders of their own; all among the first 60 products (the test catalog),
# none of the products the end-to-end tests order, each well within its seeded stock.
DEMO_ORDERS: list[SeedOrder] = [
    SeedOrder("demo-alice-1", "u-alice", [("p-0013", 1), ("p-0026", 2)], ALICE_ADDRESS, 38 * DAY,
              [("SHIPPED", 37 * DAY, "handed to the carrier"),
               ("DELIVERED", 34 * DAY, "delivered to the customer")]),
    SeedOrder("demo-alice-2", "u-alice", [("p-0009", 1), ("p-0049", 1)], ALICE_ADDRESS, 16 * DAY,
              [("CANCELLED", 16 * DAY - 3 * HOUR, "cancelled by the customer")]),
    SeedOrder("demo-alice-3", "u-alice", [("p-0025", 1), ("p-0004", 1)], ALICE_ADDRESS, 5 * DAY,
              [("SHIPPED", 3 * DAY, "handed to the carrier")]),
    SeedOrder("demo-alice-4", "u-alice", [("p-0038", 1), ("p-0006", 2)], ALICE_ADDRESS, 2 * HOUR),
    SeedOrder("demo-bob-1", "u-bob", [("p-0050", 3), ("p-0013", 1)], BOB_ADDRESS, 24 * DAY,
              [("SHIPPED", 23 * DAY, "handed to the carrier"),
               ("DELIVERED", 21 * DAY, "delivered to the customer")]),
    SeedOrder("demo-bob-2", "u-bob", [("p-0026", 1), ("p-0025", 1)], BOB_ADDRESS, 1 * DAY),
]  # fmt: skip


def _reviews(n: int, name: str, created: datetime) -> list[SeedReview]:
    """The product's reviews, from a random stream of its own: a hand-written product has 5
    to 25, the others mostly few or none and now and then many (a long tail, as in a real
    shop). Each product has a quality its ratings scatter around, so averages differ."""
    rng = random.Random(f"{SEED}:reviews:{n}")  # noqa: S311 (demo data, not secrets)
    if n <= len(HEROES):
        count = rng.randint(5, 25)
    else:
        count = rng.choices(REVIEW_COUNTS, weights=REVIEW_COUNT_WEIGHTS)[0]
    quality = min(4.8, max(2.0, rng.gauss(3.9, 0.6)))
    reviews = []
    for k, author in enumerate(rng.sample(REVIEWERS, k=count)):
        rating = min(5, max(1, round(rng.gauss(quality, 0.9))))
        title = rng.choice(REVIEW_TITLES[rating])
        reviews.append(SeedReview(
            id=f"r-{n:04d}-{k}", author_id=author, rating=rating, title=title,
            body=f"{title}. {name} {'met' if rating >= 3 else 'did not meet'} my expectations.",
            created_at=created + timedelta(days=1 + 2 * k, hours=rng.randrange(24)),
        ))  # fmt: skip
    return reviews


def iter_batches(items: list[SeedProduct], size: int) -> Iterator[list[SeedProduct]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
