//! Stateful async invocations named after business ids (a video's name as the invocation id, as the FC docs
//! recommend): submit, poll until done, stop one, list them all.
//!
//! Against a real account, deploy a function `video/transcode` that takes `{"source", "preset"}`.
//!
//! ```text
//! cargo run --example video_pipeline
//! ```

use std::time::Duration;

use examples::Target;
use fc_runtime::function::{Context, Failure, Router};
use fc_runtime::{Accepted, FcError, FunctionRef, InvocationStatus, ListFilter, SortOrder, fc_function, fc_service};
use futures_util::StreamExt as _;
use serde::Deserialize;

#[fc_service(service = "video", qualifier = "LATEST")]
pub trait Transcoder {
    /// Queues a transcode of `source`; the video's name is the invocation id.
    #[fc_function(function = "transcode", invocation = "async")]
    async fn transcode(
        &self,
        #[fc(invocation_id)] video: &str,
        source: String,
        preset: String,
    ) -> Result<Accepted, FcError>;
}

#[derive(Deserialize)]
struct Job {
    source: String,
    preset: String,
}

/// The local stand-in for the transcoder: "long" sources take a minute, the rest a few milliseconds.
fn transcoder(builder: fc_runtime::local::LocalFcBuilder) -> fc_runtime::local::LocalFcBuilder {
    builder.router(
        "video",
        Router::new().json("transcode", |job: Job, ctx: Context| async move {
            ctx.log(format!("transcoding {} to {}", job.source, job.preset));
            let ms = if job.source.contains("long") { 60_000 } else { 30 };
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok::<_, Failure>(format!("{}.{}.mp4", ctx.invocation_id().unwrap_or("video"), job.preset))
        }),
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = Target::start(transcoder).await?;
    let client = target.client()?;
    let function = FunctionRef::new("video", "transcode").qualifier("LATEST");
    let run = std::process::id();
    let names: Vec<String> =
        ["movie_final_cut", "trailer_teaser", "interview_long_raw"].iter().map(|n| format!("{n}_{run}")).collect();

    for name in &names {
        let source = format!("oss://media/{name}.mov");
        let accepted = client.transcode(name, source, "720p".into()).await?;
        println!("submitted {name}: request {}", accepted.request_id().unwrap_or("?"));
    }

    let long = &names[2];
    client.stop_stateful_invocation(&function, long).await?;
    println!("stopped {long}");

    for name in &names[..2] {
        let finished = loop {
            let inv = client.get_stateful_invocation(&function, name).await?;
            if inv.status.as_ref().is_some_and(InvocationStatus::is_terminal) {
                break inv;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        println!(
            "{name}: {} in {} ms -> {}",
            finished.status.map(|s| s.to_string()).unwrap_or_default(),
            finished.duration_ms.unwrap_or_default(),
            finished.return_payload.as_deref().unwrap_or("(payload not included)")
        );
    }

    println!("all invocations, newest first:");
    let filter = ListFilter::new().sort(SortOrder::Desc).limit(2);
    let mut listed = std::pin::pin!(client.stateful_invocations(function.clone(), filter));
    let mut count = 0;
    while let Some(inv) = listed.next().await {
        let inv = inv?;
        if !names.iter().any(|n| inv.invocation_id.as_deref() == Some(n.as_str())) {
            continue;
        }
        count += 1;
        let status = inv.status.map(|s| s.to_string()).unwrap_or_default();
        println!("  {:<32} {status}", inv.invocation_id.unwrap_or_default());
    }
    if count != names.len() {
        return Err(format!("listed {count} of {} invocations", names.len()).into());
    }
    println!("video_pipeline finished");
    Ok(())
}
