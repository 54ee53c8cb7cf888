//! An HTTP trigger's request passed through to a custom runtime, as FC passes it: the request as it came with FC's
//! `x-fc-*` headers, the answer streamed back, the runtime's lines for it copied into the invocation's log once
//! the answer has ended.

use std::sync::Arc;

use bytes::Bytes;

use super::RuntimeLink;
use crate::function::protocol::{self, Call};
use crate::function::{Context, Failure};

/// In the extensions of a runtime's HTTP answer: turns `true` once the invocation's lines are in its log, which is
/// after the body has ended. A Tail waits for it.
#[derive(Clone)]
pub(crate) struct LogsCopied(pub(crate) tokio::sync::watch::Receiver<bool>);

impl LogsCopied {
    /// Waits until the lines are copied (or the copy was abandoned).
    pub(crate) async fn wait(mut self) {
        let _ = self.0.wait_for(|copied| *copied).await;
    }
}

/// The most of a failure's body read from a runtime.
const MAX_FAILURE_BODY: usize = 256 * 1024;

struct LogWhenDone {
    inner: crate::function::WebBody,
    done: Option<Box<dyn FnOnce() + Send>>,
}

impl http_body::Body for LogWhenDone {
    type Data = Bytes;
    type Error = crate::function::BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        if let std::task::Poll::Ready(None) = polled
            && let Some(done) = self.done.take()
        {
            done();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for LogWhenDone {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            done();
        }
    }
}

impl RuntimeLink {
    /// Passes an HTTP trigger's request to the runtime as FC does (the request as it came, with FC's `x-fc-*`
    /// headers describing `ctx` and `x-fc-control-path: /http-invoke`), the instance made ready first. The answer
    /// comes back as it streams; when it has ended, the runtime's lines for it are copied into `ctx`'s log.
    pub(crate) async fn forward_http(
        self: &Arc<Self>,
        request: crate::function::WebRequest,
        ctx: &Context,
        initialize: bool,
    ) -> Result<crate::function::WebResponse, super::RunFailure> {
        use http_body_util::BodyExt as _;
        let addr = self.ready(ctx, initialize).await?;
        let (mut parts, body) = request.into_parts();
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        parts.uri =
            format!("http://{addr}{path}").parse().map_err(|e| Failure::new("", format!("bad request path: {e}")))?;
        for (name, value) in protocol::request_headers(ctx, Call::Invoke) {
            if let Some(name) = name
                && name != http::header::CONTENT_TYPE
            {
                parts.headers.insert(name, value);
            }
        }
        parts.headers.insert(protocol::header::CONTROL_PATH, http::HeaderValue::from_static(protocol::HTTP_INVOKE));
        self.logs.begin(Call::Invoke, ctx.request_id());
        let client = self.web_client.get_or_init(|| {
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
        });
        let response = match client.request(http::Request::from_parts(parts, body)).await {
            Ok(response) => response,
            Err(e) => return Err(self.lost_http(e.to_string()).await.into()),
        };
        let (parts, body) = response.into_parts();
        if protocol::web_failed(&parts.headers) {
            // The function failed: its failure body (bounded), and its lines now.
            let body = http_body_util::Limited::new(body, MAX_FAILURE_BODY).collect().await.map(|b| b.to_bytes());
            for line in self.logs.take(Call::Invoke, ctx.request_id()).await {
                ctx.log_sink().line(&line);
            }
            return Err(match body {
                Ok(body) => Failure::from_body(&body),
                Err(e) => Failure::new("", format!("the custom runtime's failure body could not be read: {e}")),
            }
            .into());
        }
        // The lines are taken when the body has ended (or was dropped): a streamed answer is not waited for.
        let (link, sink, request_id) = (self.clone(), ctx.log_sink(), ctx.request_id().to_owned());
        let (copied, logs) = tokio::sync::watch::channel(false);
        let body = LogWhenDone {
            inner: body.map_err(Into::into).boxed_unsync(),
            done: Some(Box::new(move || {
                tokio::spawn(async move {
                    for line in link.logs.take(Call::Invoke, &request_id).await {
                        sink.line(&line);
                    }
                    let _ = copied.send(true);
                });
            })),
        };
        let mut response = http::Response::from_parts(parts, body.boxed_unsync());
        response.extensions_mut().insert(LogsCopied(logs));
        Ok(response)
    }

    /// [`lost`](Self::lost) for the HTTP client's error.
    async fn lost_http(&self, error: String) -> Failure {
        self.lost(error).await
    }
}
