//! products: `Product @key(fields: "upc")` and the root field `topProducts(first: Int = 5)`.

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema, SimpleObject};

use crate::data::{self, ProductRow};

#[derive(SimpleObject)]
pub struct Product {
    upc: String,
    name: Option<String>,
    price: Option<i64>,
    weight: Option<i64>,
}

impl From<&ProductRow> for Product {
    fn from(row: &ProductRow) -> Self {
        Product {
            upc: row.upc.to_owned(),
            name: Some(row.name.to_owned()),
            price: Some(row.price),
            weight: Some(row.weight),
        }
    }
}

pub struct Query;

#[Object]
impl Query {
    async fn top_products(
        &self,
        #[graphql(default = 5)] first: Option<i32>,
    ) -> Option<Vec<Option<Product>>> {
        let first = usize::try_from(first.unwrap_or(5)).unwrap_or(0);
        Some(
            data::PRODUCTS
                .iter()
                .take(first)
                .map(|row| Some(Product::from(row)))
                .collect(),
        )
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Option<Product> {
        data::product(&upc).map(Product::from)
    }
}

pub type ProductsSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn schema() -> ProductsSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
