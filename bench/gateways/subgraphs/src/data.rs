//! The benchmark's data: 6 users, 9 products, 11 reviews. Built once at start-up.

use std::sync::LazyLock;

pub struct UserRow {
    pub id: &'static str,
    pub name: &'static str,
    pub username: &'static str,
    pub birthday: i32,
}

pub struct ProductRow {
    pub upc: &'static str,
    pub name: &'static str,
    pub price: i64,
    pub weight: i64,
    pub in_stock: bool,
}

pub struct ReviewRow {
    pub id: String,
    pub body: String,
    pub product_upc: &'static str,
}

pub const USERS: [UserRow; 6] = [
    UserRow { id: "1", name: "Ada Lindqvist", username: "ada", birthday: 1_234_567_890 },
    UserRow { id: "2", name: "Bruno Castell", username: "bruno", birthday: 1_123_456_789 },
    UserRow { id: "3", name: "Chiara Okafor", username: "chiara", birthday: 1_012_345_678 },
    UserRow { id: "4", name: "Dmitri Vale", username: "dmitri", birthday: 901_234_567 },
    UserRow { id: "5", name: "Esme Haddad", username: "esme", birthday: 890_123_456 },
    UserRow { id: "6", name: "Farid Moreau", username: "farid", birthday: 789_012_345 },
];

pub const PRODUCTS: [ProductRow; 9] = [
    ProductRow { upc: "1", name: "Desk", price: 899, weight: 100, in_stock: true },
    ProductRow { upc: "2", name: "Lamp", price: 1299, weight: 1000, in_stock: false },
    ProductRow { upc: "3", name: "Mug", price: 15, weight: 20, in_stock: false },
    ProductRow { upc: "4", name: "Stool", price: 499, weight: 100, in_stock: false },
    ProductRow { upc: "5", name: "Monitor", price: 1299, weight: 1000, in_stock: true },
    ProductRow { upc: "6", name: "Kettle", price: 54, weight: 50, in_stock: true },
    ProductRow { upc: "7", name: "Rug", price: 129, weight: 300, in_stock: true },
    ProductRow { upc: "8", name: "Shelf", price: 249, weight: 400, in_stock: false },
    ProductRow { upc: "9", name: "Clock", price: 35, weight: 10, in_stock: true },
];

/// The product each review is about and the length of its body, in characters: 4 reviews on
/// product 1, 4 on product 2, 1 on 3, 2 on 4.
const REVIEW_SHAPES: [(&str, usize); 11] = [
    ("1", 446),
    ("1", 290),
    ("1", 279),
    ("1", 156),
    ("2", 446),
    ("2", 290),
    ("2", 279),
    ("2", 156),
    ("3", 156),
    ("4", 156),
    ("4", 880),
];

const WORDS: [&str; 24] = [
    "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do",
    "eiusmod", "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim",
    "minim", "veniam", "quis", "nostrud",
];

/// Words from WORDS, starting at `seed`, until the text is `length` characters long.
fn lorem(seed: usize, length: usize) -> String {
    let mut text = String::with_capacity(length + 16);
    let mut i = seed;
    while text.len() < length {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(WORDS[(i * 7 + 3) % WORDS.len()]);
        i += 1;
    }
    text.truncate(length);
    text
}

pub static REVIEWS: LazyLock<Vec<ReviewRow>> = LazyLock::new(|| {
    REVIEW_SHAPES
        .iter()
        .enumerate()
        .map(|(i, (upc, length))| ReviewRow {
            id: (i + 1).to_string(),
            body: lorem(i, *length),
            product_upc: upc,
        })
        .collect()
});

pub fn user(id: &str) -> Option<&'static UserRow> {
    USERS.iter().find(|user| user.id == id)
}

pub fn product(upc: &str) -> Option<&'static ProductRow> {
    PRODUCTS.iter().find(|product| product.upc == upc)
}
