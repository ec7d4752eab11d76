//! [`ApiServer`]: the API on its own thread and runtime, for tests and lessons (the shared
//! background thread of `greet_server::fixture`).

use std::net::SocketAddr;
use std::sync::Arc;

use greet_server::fixture::{Background, runtime};
use tokio::net::TcpListener;

use crate::{ApiError, Config, Stats, StatsSnapshot};

/// The API running on its own thread and runtime. Dropping it shuts the API down.
#[derive(Debug)]
pub struct ApiServer {
    addr: SocketAddr,
    stats: Arc<Stats>,
    _thread: Background,
}

impl ApiServer {
    /// Binds `config.bind` (port 0 by default) and serves on a background thread.
    pub fn start(config: Config) -> Result<ApiServer, ApiError> {
        let listener = crate::bind_std(&config)?;
        let addr = listener.local_addr().map_err(ApiError::Runtime)?;
        // One thread is plenty: every wait in a handler is an async timer.
        let rt = runtime().map_err(ApiError::Runtime)?;
        let stats = Arc::new(Stats::default());
        let thread_stats = stats.clone();
        let thread = Background::spawn("greet-api", rt, move |stopped| async move {
            // Registering the socket with tokio needs the runtime, so it happens here.
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            crate::run(listener, config, thread_stats, stopped).await;
        })
        .map_err(ApiError::Runtime)?;
        Ok(ApiServer {
            addr,
            stats,
            _thread: thread,
        })
    }

    /// Where the API listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn base_url(&self) -> String {
        crate::base_url(self.addr)
    }

    /// The URL of host `id`'s greeting.
    pub fn greeting_url(&self, id: u32) -> String {
        format!("{}/hosts/{id}/greeting", self.base_url())
    }

    /// The counters now.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Sets the peak in-flight count back to the current one.
    pub fn reset_peak(&self) {
        self.stats.reset_peak();
    }
}
