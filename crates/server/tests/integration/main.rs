//! Integration tests: the real server on a loopback port, the real WeChat emulator as
//! WeChat, real HTTP between them, each test on SQLite and on PostgreSQL.
//! (One test binary, so linking happens once.)

mod child;
mod kit;

mod authz;
mod authz_account;
mod authz_policies;
mod casdoor_import;
mod config_command;
mod db_outage;
mod faults;
mod grants;
mod lost_updates;
mod management;
mod metrics;
mod oidc;
mod openapi;
mod ops;
mod pool_load;
mod probes;
mod tcp_proxy;
mod throttling;
mod two_nodes;
mod wechat_accounts;
mod wechat_login;
mod wechat_scan;
mod wechat_web;
