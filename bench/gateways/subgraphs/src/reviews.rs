//! reviews: `Review @key(fields: "id")`, `Review.author @provides(fields: "username")`, and the
//! `reviews` field it adds to `User @key(fields: "id")` and `Product @key(fields: "upc")`.

use async_graphql::{
    ComplexObject, EmptyMutation, EmptySubscription, Object, Schema, SimpleObject, ID,
};

use crate::data::{self, ReviewRow};

/// Every review's author, and the reviews every user is said to have written.
const AUTHOR_ID: &str = "1";
const REVIEWS_OF_EVERY_USER: usize = 2;

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Review {
    id: ID,
    body: Option<String>,
    #[graphql(skip)]
    product_upc: &'static str,
}

impl From<&ReviewRow> for Review {
    fn from(row: &ReviewRow) -> Self {
        Review {
            id: ID(row.id.clone()),
            body: Some(row.body.clone()),
            product_upc: row.product_upc,
        }
    }
}

#[ComplexObject]
impl Review {
    async fn product(&self) -> Option<Product> {
        Some(Product { upc: self.product_upc.to_owned() })
    }

    #[graphql(provides = "username")]
    async fn author(&self) -> Option<User> {
        let row = data::user(AUTHOR_ID)?;
        Some(User {
            id: ID(row.id.to_owned()),
            username: Some(row.username.to_owned()),
        })
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct User {
    id: ID,
    #[graphql(external)]
    username: Option<String>,
}

#[ComplexObject]
impl User {
    async fn reviews(&self) -> Option<Vec<Option<Review>>> {
        Some(
            data::REVIEWS
                .iter()
                .take(REVIEWS_OF_EVERY_USER)
                .map(|row| Some(Review::from(row)))
                .collect(),
        )
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Product {
    upc: String,
}

#[ComplexObject]
impl Product {
    async fn reviews(&self) -> Option<Vec<Option<Review>>> {
        Some(
            data::REVIEWS
                .iter()
                .filter(|row| row.product_upc == self.upc)
                .map(|row| Some(Review::from(row)))
                .collect(),
        )
    }
}

pub struct Query;

#[Object]
impl Query {
    #[graphql(entity)]
    async fn find_review_by_id(&self, id: ID) -> Option<Review> {
        data::REVIEWS.iter().find(|row| row.id == *id).map(Review::from)
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> User {
        User { id, username: None }
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Product {
        Product { upc }
    }
}

pub type ReviewsSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn schema() -> ReviewsSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
