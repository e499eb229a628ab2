//! The `learning` subdomain: what learners do and what happens to them (enrollment,
//! certificates, grades, …), mostly sent by the LMS.

pub mod data;
pub mod signals;

pub use data::*;
pub use signals::*;
