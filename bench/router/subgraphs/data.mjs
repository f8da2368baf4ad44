// Deterministic in-memory data: 10 users, 30 products, 90 reviews.
// Review i is about product i % 30 and written by user i % 10, so every product has
// 3 reviews and every user has written 9.
export const users = Array.from({ length: 10 }, (_, i) => ({
  id: `u${i + 1}`,
  name: `User ${i + 1}`,
  username: `user${i + 1}`,
}));

export const products = Array.from({ length: 30 }, (_, i) => ({
  upc: `p${i + 1}`,
  name: `Product ${i + 1}`,
  price: 25 * (i + 1),
  weight: 10 + ((i * 7) % 40),
}));

export const reviews = Array.from({ length: 90 }, (_, i) => ({
  id: `r${i + 1}`,
  body: `Review ${i + 1} of ${products[i % 30].name}`,
  authorId: users[i % 10].id,
  productUpc: products[i % 30].upc,
}));
