//! A `server` trait: next to the stubs, the function side (`OrdersServer`, its list of functions and its
//! router), with two stubs of one function checked against each other.

use fc_runtime::{Bytes, FcError, Invocation, fc_function, fc_service};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Order {
    pub sku: String,
    pub quantity: u32,
}

#[derive(Serialize, Deserialize)]
pub struct Receipt {
    pub id: String,
}

#[fc_service(api = "3.0", server)]
pub trait Orders {
    /// Places an order.
    #[fc_function]
    async fn place(&self, order: &Order) -> Result<Receipt, FcError>;

    /// The same function, with its log tail: its event and result must agree with `place`'s.
    #[fc_function(function = "place", log = "tail")]
    async fn place_traced(&self, order: &Order) -> Result<Invocation<Receipt>, FcError>;

    /// Several arguments: the event is `{"id": …, "reason": …}`.
    #[fc_function]
    async fn cancel(&self, id: &str, reason: Option<String>) -> Result<(), FcError>;

    /// Raw bytes both ways.
    #[fc_function]
    async fn invoice_pdf(&self, id: Bytes) -> Result<Vec<u8>, FcError>;
}
