//! The `authz` subdomain: the authorization framework of openedx-authz, which assigns roles to
//! subjects within scopes.

pub mod data;
pub mod signals;

pub use data::*;
pub use signals::*;
