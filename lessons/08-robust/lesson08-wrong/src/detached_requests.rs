//! Known-wrong solution `detached_requests`: `first_greeting` starts each request with
//! `tokio::spawn` and returns the first greeting. Dropping a `JoinHandle` detaches its task, so
//! the slower requests go on waiting: nothing is cancelled.
//!
//! Caught by: `the_first_greeting_wins_and_the_rest_are_cancelled`.

pub use lesson08_solution::{Backoff, Greeting, Session, client, fetch, greet_limited, retry};

/// The first greeting, from requests that are never cancelled.
pub async fn first_greeting(client: &reqwest::Client, urls: &[String]) -> Option<Greeting> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for url in urls {
        let (client, url, tx) = (client.clone(), url.clone(), tx.clone());
        // The mistake: a spawned task outlives its dropped handle.
        tokio::spawn(async move {
            let _ = tx.send(fetch(&client, &url).await);
        });
    }
    drop(tx);
    while let Some(answer) = rx.recv().await {
        if answer.is_some() {
            return answer;
        }
    }
    None
}
