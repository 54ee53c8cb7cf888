//! Small types every layer uses.

use std::future::Future;
use std::pin::Pin;

/// A boxed, `Send` future: what a credentials provider, a route, a hook or a web service returns behind a trait
/// object.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
