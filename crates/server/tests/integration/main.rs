//! Integration tests: the real server on a loopback port, the real WeChat emulator as
//! WeChat, real HTTP between them, each test on SQLite and on PostgreSQL.
//! (One test binary, so linking happens once.)

mod child;
mod kit;

mod authz;
mod authz_account;
mod authz_large;
mod authz_policies;
mod background_stop;
mod casdoor_import;
mod config_command;
mod dashboard;
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
mod shutdown;
mod sign_ins;
mod tcp_proxy;
mod throttling;
mod two_nodes;
mod verification_files;
mod webhook_ssrf;
mod wechat_accounts;
mod wechat_login;
mod wechat_scan;
mod wechat_web;
