//! inventory: `Product.inStock`, and `Product.shippingEstimate @requires(fields: "price weight")`
//! computed from the price and weight the gateway sends in the representation.

use async_graphql::{
    ComplexObject, EmptyMutation, EmptySubscription, Object, Schema, SimpleObject,
};

use crate::data;

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Product {
    upc: String,
    #[graphql(external)]
    price: Option<i64>,
    #[graphql(external)]
    weight: Option<i64>,
    in_stock: Option<bool>,
}

#[ComplexObject]
impl Product {
    // free above 1000, else half the weight
    #[graphql(requires = "price weight")]
    async fn shipping_estimate(&self) -> Option<i64> {
        let price = self.price?;
        if price > 1000 {
            return Some(0);
        }
        self.weight.map(|weight| weight / 2)
    }
}

pub struct Query;

#[Object]
impl Query {
    #[graphql(entity)]
    async fn find_product_by_upc(
        &self,
        #[graphql(key)] upc: String,
        price: Option<i64>,
        weight: Option<i64>,
    ) -> Option<Product> {
        let row = data::product(&upc)?;
        Some(Product {
            upc,
            price,
            weight,
            in_stock: Some(row.in_stock),
        })
    }
}

pub type InventorySchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn schema() -> InventorySchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
