//! How fast the sandbox serves list pages: one telrep client listing 10,000 monitored
//! numbers (40 pages of 250) at concurrency 8 over loopback, repeatedly. Prints a Markdown
//! table for the README.
//!
//! Run: `cargo bench --bench sandbox`.

#![allow(
    clippy::too_many_lines,
    reason = "a benchmark reads top to bottom; the 80-line limit is for src/"
)]
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "a benchmark fails loudly on a broken setup"
)]

#[path = "support/block.rs"]
mod block;
use std::time::Instant;

use telrep::model::E164;
use telrep::sandbox::{Sandbox, SandboxConfig};
use telrep::telnyx::{ApiKey, Client, ClientConfig, NumberFilter};

const NUMBERS: usize = 10_000;
const ROUNDS: usize = 7;
const LISTINGS_PER_ROUND: usize = 25;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    block::begin("sandbox");
    run().await;
    block::end("sandbox");
}

async fn run() {
    let numbers: Vec<String> = (0..NUMBERS)
        .map(|index| format!("+1202{:07}", 2_000_000 + index))
        .collect();
    let mut config = SandboxConfig::local();
    config.inventory = numbers
        .iter()
        .map(|number| (number.clone(), "local".to_owned()))
        .collect();
    let sandbox = Sandbox::start(config).await.unwrap();
    let client = Client::new(ClientConfig::new(
        sandbox.base_url(),
        ApiKey::new("KEY").unwrap(),
    ))
    .unwrap();
    client.tos_agree().await.unwrap();
    let desired = telrep::manifest::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme.yaml"),
        Default::default(),
    )
    .unwrap();
    let enterprise = client.create_enterprise(&desired.enterprise).await.unwrap();
    let document = client
        .upload_document("loa.pdf", b"%PDF-1.4 bench")
        .await
        .unwrap();
    client
        .enable_reputation(&enterprise.id, &document.id, None)
        .await
        .unwrap();
    while client
        .get_reputation(&enterprise.id)
        .await
        .unwrap()
        .unwrap()
        .status
        != "approved"
    {
        tokio::task::yield_now().await;
    }
    let parsed: Vec<E164> = numbers
        .iter()
        .map(|number| E164::parse(number).unwrap())
        .collect();
    for batch in parsed.chunks(100) {
        client.add_numbers(&enterprise.id, batch).await.unwrap();
    }
    let pages_per_listing = NUMBERS.div_ceil(250);
    let mut rates = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..LISTINGS_PER_ROUND {
            let listed = client
                .list_numbers(&enterprise.id, &NumberFilter::All)
                .await
                .unwrap();
            assert_eq!(listed.len(), NUMBERS);
        }
        let pages = pages_per_listing * LISTINGS_PER_ROUND;
        #[expect(clippy::cast_precision_loss, reason = "a rate for a table")]
        rates.push(pages as f64 / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    println!("| case | median | min | max | rounds |\n|---|---|---|---|---|");
    println!(
        "| list pages of 250 numbers served, one client at concurrency 8 ({LISTINGS_PER_ROUND} listings of {pages_per_listing} pages a round) | {:.0} pages/s | {:.0} | {:.0} | {ROUNDS} |",
        rates[ROUNDS / 2],
        rates[0],
        rates[ROUNDS - 1]
    );
    sandbox.shutdown().await;
}
