//! The `enterprise` subdomain: enterprise customers and the subsidies (learner credit,
//! licenses) that pay for their learners' enrollments.

pub mod data;
pub mod signals;

pub use data::*;
pub use signals::*;
