"""The one GraphQL operation each storefront page sends to the router.

Every page asks for all of its data at once, so the server makes one router call per page and
the browser makes none before it can paint: no request waterfall. The header's category menu
and cart count ride along with each page's query (``PageHeader``), which is why every operation
declares ``$cartId`` and ``$hasCart``: the BFF fills them from the session.
"""

from __future__ import annotations

CATEGORY_MENU = """
fragment PageHeader on Query {
  categories { id name slug children { id name slug } }
  cartCount: cart(id: $cartId) @include(if: $hasCart) { items { quantity } }
}"""

PRODUCT_CARD = """
fragment ProductCard on Product {
  id name brand
  price { amount currency }
  rating { count average }
  images { url(size: SMALL) srcset }
  stock { inStock }
}"""

SEARCH_RESULT = """
fragment SearchPage on SearchResult {
  total
  pageInfo { hasNextPage endCursor }
  hits { product { ...ProductCard } highlights { field fragments } }
  facets {
    categories { category { id name slug } count }
    brands { brand count }
    vendors { vendor { id name } count }
    prices { min max count }
  }
}"""

HOME = (
    """
query StorefrontHome($cartId: ID, $hasCart: Boolean!) {
  ...PageHeader
  bestRated: search(sort: RATING, first: 8) { hits { product { ...ProductCard } } }
  newest: search(sort: NEWEST, first: 8) { hits { product { ...ProductCard } } }
}"""
    + CATEGORY_MENU
    + PRODUCT_CARD
)

SEARCH = (
    """
query StorefrontSearch($query: String!, $filter: SearchFilter, $sort: SearchSort!,
                       $first: Int!, $after: String, $cartId: ID, $hasCart: Boolean!) {
  ...PageHeader
  search(query: $query, filter: $filter, sort: $sort, first: $first, after: $after) {
    ...SearchPage
  }
}"""
    + CATEGORY_MENU
    + PRODUCT_CARD
    + SEARCH_RESULT
)

PRODUCT = (
    """
query StorefrontProduct($id: ID!, $reviewsAfter: String, $cartId: ID, $hasCart: Boolean!) {
  ...PageHeader
  product(id: $id) {
    id sku name description brand
    price { amount currency }
    stock { available inStock }
    attributes { name value }
    variants { sku name price { amount currency } attributes { name value } }
    images { key url(size: MEDIUM) large: url(size: LARGE) srcset }
    rating { count average }
    categories { id name slug }
    vendor { id name }
    reviews(first: 5, after: $reviewsAfter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id rating title body createdAt author { id name } }
    }
  }
}"""
    + CATEGORY_MENU
)

CART_LINES = """
fragment CartLines on Cart {
  id
  items {
    quantity
    product {
      id name brand
      price { amount currency }
      images { url(size: THUMBNAIL) srcset }
      stock { available inStock }
    }
  }
}"""

CART = (
    """
query StorefrontCart($cartId: ID, $hasCart: Boolean!) {
  ...PageHeader
  cart(id: $cartId) @include(if: $hasCart) { ...CartLines }
}"""
    + CATEGORY_MENU
    + CART_LINES
)

CHECKOUT = (
    """
query StorefrontCheckout($cartId: ID, $hasCart: Boolean!) {
  ...PageHeader
  cart(id: $cartId) { ...CartLines }
  me {
    name
    addresses { id label recipient line1 line2 city postalCode country isDefault }
  }
}"""
    + CATEGORY_MENU
    + CART_LINES
)

ORDER_SUMMARY = """
fragment OrderSummary on Order {
  id status createdAt
  total { amount currency }
  items { line quantity product { id name images { url(size: THUMBNAIL) } } }
}"""

ORDERS = (
    """
query StorefrontOrders($after: String, $cartId: ID, $hasCart: Boolean!) {
  ...PageHeader
  me {
    orders(first: 10, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { ...OrderSummary } }
    }
  }
}"""
    + CATEGORY_MENU
    + ORDER_SUMMARY
)

ORDER = (
    """
query StorefrontOrder($id: ID!, $cartId: ID, $hasCart: Boolean!) {
  ...PageHeader
  order(id: $id) {
    id status createdAt
    total { amount currency }
    history { status at note }
    shipping { recipient line1 line2 city postalCode country }
    items {
      line quantity
      unitPrice { amount currency }
      lineTotal { amount currency }
      product { id name brand images { url(size: THUMBNAIL) srcset } }
    }
  }
}"""
    + CATEGORY_MENU
)

ACCOUNT = (
    """
query StorefrontAccount($cartId: ID, $hasCart: Boolean!) {
  ...PageHeader
  me {
    id name email
    preferences { language currency newsletter }
    addresses { id label recipient line1 line2 city postalCode country isDefault }
    recentlyViewed(first: 8) { ...ProductCard }
  }
}"""
    + CATEGORY_MENU
    + PRODUCT_CARD
)

VENDOR = (
    """
query VendorConsole($vendorId: ID!, $after: String, $created: ID, $hasCreated: Boolean!,
                    $cartId: ID, $hasCart: Boolean!) {
  ...PageHeader
  created: product(id: $created) @include(if: $hasCreated) {
    id sku name price { amount currency } stock { available }
  }
  products(filter: { vendorId: $vendorId }, first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id sku name brand description
        price { amount currency }
        stock { available inStock }
        categories { id name }
        images { url(size: THUMBNAIL) }
      }
    }
  }
  vendorOrders(first: 20) {
    edges {
      node {
        id status createdAt
        total { amount currency }
        items { line quantity lineTotal { amount currency } product { id name sku } }
      }
    }
  }
}"""
    + CATEGORY_MENU
)

MENU = (
    """
query StorefrontMenu($cartId: ID, $hasCart: Boolean!) {
  ...PageHeader
}"""
    + CATEGORY_MENU
)
