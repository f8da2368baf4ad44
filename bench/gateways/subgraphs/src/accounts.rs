//! accounts: `User @key(fields: "id")` and the root fields `me`, `user(id)`, `users`.

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema, SimpleObject, ID};

use crate::data::{self, UserRow};

#[derive(SimpleObject)]
pub struct User {
    id: ID,
    name: Option<String>,
    // reviews provides it too (`Review.author @provides(fields: "username")`)
    #[graphql(shareable)]
    username: Option<String>,
    birthday: Option<i32>,
}

impl From<&UserRow> for User {
    fn from(row: &UserRow) -> Self {
        User {
            id: ID(row.id.to_owned()),
            name: Some(row.name.to_owned()),
            username: Some(row.username.to_owned()),
            birthday: Some(row.birthday),
        }
    }
}

pub struct Query;

#[Object]
impl Query {
    async fn me(&self) -> Option<User> {
        data::user("1").map(User::from)
    }

    async fn user(&self, id: ID) -> Option<User> {
        data::user(&id).map(User::from)
    }

    async fn users(&self) -> Option<Vec<Option<User>>> {
        Some(data::USERS.iter().map(|row| Some(User::from(row))).collect())
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        data::user(&id).map(User::from)
    }
}

pub type AccountsSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn schema() -> AccountsSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
