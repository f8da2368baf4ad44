//! The gateway benchmark's subgraphs: accounts, inventory, products and reviews, each a
//! Federation v2 subgraph at its own path (`POST /accounts` …), `GET /health`, and
//! `GET /requests` (how many subgraph requests were served since start, which tells whether
//! a gateway deduplicates), on 127.0.0.1:$PORT (default 4200; HOST overrides the address).

mod accounts;
mod data;
mod inventory;
mod products;
mod reviews;

use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::{ObjectType, Schema, SubscriptionType};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    extract::{Request, State},
    middleware::{self, Next},
    response::Response,
    routing::{get, post},
    Router,
};

static REQUESTS: AtomicU64 = AtomicU64::new(0);

async fn count(request: Request, next: Next) -> Response {
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    next.run(request).await
}

async fn serve<Q, M, S>(
    State(schema): State<Schema<Q, M, S>>,
    request: GraphQLRequest,
) -> GraphQLResponse
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    schema.execute(request.into_inner()).await.into()
}

#[tokio::main]
async fn main() {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "4200".to_owned());
    let app = Router::new()
        .route("/accounts", post(serve).with_state(accounts::schema()))
        .route("/inventory", post(serve).with_state(inventory::schema()))
        .route("/products", post(serve).with_state(products::schema()))
        .route("/reviews", post(serve).with_state(reviews::schema()))
        .route_layer(middleware::from_fn(count))
        .route("/health", get(|| async { "OK" }))
        .route(
            "/requests",
            get(|| async { REQUESTS.load(Ordering::Relaxed).to_string() }),
        );
    let address = format!("{host}:{port}");
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .unwrap_or_else(|error| panic!("cannot listen on {address}: {error}"));
    println!("subgraphs listening on http://{address}");
    axum::serve(listener, app).await.expect("server failed");
}
