// Deterministic data: 10 users, 10 products, 30 reviews (3 per user, 3 per product).
export const users = Array.from({ length: 10 }, (_, i) => ({
  id: `u${i + 1}`,
  name: `User ${i + 1}`,
  username: `user${i + 1}`,
}));

export const products = Array.from({ length: 10 }, (_, i) => ({
  upc: `p${i + 1}`,
  name: `Product ${i + 1}`,
  price: 100 * (i + 1),
  weight: 10 + i,
}));

export const reviews = Array.from({ length: 30 }, (_, i) => ({
  id: `r${i + 1}`,
  body: `Review ${i + 1}`,
  authorId: users[i % 10].id,
  productUpc: products[(i * 7) % 10].upc,
}));
