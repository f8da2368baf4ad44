// The four benchmark subgraphs (users, reviews, products, inventory): SDL and resolvers,
// built into executable subgraph schemas by server.mjs and composed by compose.mjs.
import { parse } from "graphql";
import { users, products, reviews } from "./data.mjs";

const FED = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@shareable"])`;

export const subgraphs = {
  users: {
    typeDefs: parse(`${FED}
      type Query { me: User users: [User!]! }
      type User @key(fields: "id") { id: ID! name: String! username: String! }`),
    resolvers: {
      Query: { me: () => users[0], users: () => users },
      User: { __resolveReference: (ref) => users.find((u) => u.id === ref.id) },
    },
  },
  reviews: {
    typeDefs: parse(`${FED}
      type Review { id: ID! body: String! author: User! product: Product! }
      type User @key(fields: "id") { id: ID! reviews: [Review!]! }
      type Product @key(fields: "upc") { upc: String! reviews: [Review!]! }`),
    resolvers: {
      Review: {
        author: (review) => ({ id: review.authorId }),
        product: (review) => ({ upc: review.productUpc }),
      },
      User: {
        __resolveReference: (ref) => ({ id: ref.id }),
        reviews: (user) => reviews.filter((r) => r.authorId === user.id),
      },
      Product: {
        __resolveReference: (ref) => ({ upc: ref.upc }),
        reviews: (product) => reviews.filter((r) => r.productUpc === product.upc),
      },
    },
  },
  products: {
    typeDefs: parse(`${FED}
      type Query { topProducts(first: Int = 5): [Product!]! }
      type Product @key(fields: "upc") { upc: String! name: String! price: Int! weight: Int! }`),
    resolvers: {
      Query: { topProducts: (_, { first }) => products.slice(0, first) },
      Product: { __resolveReference: (ref) => products.find((p) => p.upc === ref.upc) },
    },
  },
  inventory: {
    typeDefs: parse(`${FED}
      type Product @key(fields: "upc") {
        upc: String!
        price: Int! @external
        weight: Int! @external
        inStock: Boolean!
        shippingEstimate: Int! @requires(fields: "price weight")
      }`),
    resolvers: {
      Product: {
        __resolveReference: (ref) => ref,
        inStock: (product) => Number(product.upc.slice(1)) % 4 !== 0,
        // Needs the products subgraph's price and weight (@requires).
        shippingEstimate: (product) => (product.price > 500 ? 0 : Math.round(product.weight / 2)),
      },
    },
  },
};
