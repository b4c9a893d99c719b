//! The `panorama` binary's library: configuration, start-up, and the commands that load and
//! export data.

pub mod app;
pub mod auth;
pub mod config;
pub mod demo;
pub mod evaluate;
pub mod export;
pub mod giving360;
pub mod import;
pub mod partner;
pub mod shutdown;
pub mod webhooks;
