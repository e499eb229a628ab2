//! The `content_authoring` subdomain: what authors do in Studio (courses, XBlocks, content
//! libraries and their blocks, collections and containers, tags), mostly sent by the CMS.

pub mod data;
pub mod signals;

pub use data::*;
pub use signals::*;
