//! The store's integration tests. Every test runs the same body against a fresh SQLite file
//! and a fresh PostgreSQL database (`FERRODOOR_TEST_PG_URL`, default local `postgres`).

mod authorization_codes;
mod concurrency;
mod config_version;
mod constraints;
mod entities;
mod fixtures;
mod grouped;
mod identity_events;
mod lists;
mod phone;
mod setup;
mod tokens;
mod transactions;
mod wechat;
mod wechat_tokens;
