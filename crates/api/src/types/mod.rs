//! GraphQL objects. Each wraps a domain value and maps it field by field; relations resolve
//! through the request's DataLoaders.

mod common;
mod ecosystem;
mod funding;
pub mod history;
pub mod network;
mod node;
mod partner;
mod proposal;
pub mod suggestion;
mod webhook;

pub use common::*;
pub use ecosystem::*;
pub use funding::*;

pub use node::*;
pub use partner::*;
pub use proposal::Proposal;
pub use webhook::*;
