//! What tests and lessons run the server with: [`Server`], the server on its own thread and
//! runtime, and the fixtures of the error paths ([`Behavior`]) and of concurrency
//! ([`Rendezvous`]). The background thread ([`Background`]) and the rendezvous gate are
//! shared with the HTTP greet API (`greet_api::ApiServer`).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use greet_core::Target;
use tokio::sync::{oneshot, watch};

use crate::{Config, ServerError, Stats, StatsSnapshot};

/// How a host treats a greeting. Anything but [`Behavior::Greet`] is a fixture for tests
/// and lessons of the error paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    /// Reply after the latency. The normal host.
    #[default]
    Greet,
    /// Read the greeting and never reply (until the idle timeout closes the connection).
    Silent,
    /// Read the greeting and reset the connection (TCP RST).
    Reset,
}

/// A server running on its own thread and runtime. Dropping it shuts the server down.
#[derive(Debug)]
pub struct Server {
    addrs: Vec<SocketAddr>,
    stats: Arc<Stats>,
    _thread: Background,
}

impl Server {
    /// Binds the hosts and serves them on a background thread.
    pub fn start(config: Config) -> Result<Server, ServerError> {
        config.validate()?;
        let rt = runtime().map_err(ServerError::Runtime)?;
        let listeners = {
            let _context = rt.enter();
            crate::host::bind_now(&config)?
        };
        let addrs = listeners
            .iter()
            .map(|l| l.local_addr())
            .collect::<Result<Vec<_>, _>>();
        let addrs = addrs.map_err(ServerError::Runtime)?;
        let stats = Arc::new(Stats::default());
        let thread_stats = stats.clone();
        let thread = Background::spawn("greet-server", rt, move |stopped| {
            crate::run(listeners, config, thread_stats, stopped)
        })
        .map_err(ServerError::Runtime)?;
        Ok(Server {
            addrs,
            stats,
            _thread: thread,
        })
    }

    /// The hosts' addresses, host `i` at index `i`.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The hosts as greet targets, each expecting its own host number in the reply.
    pub fn targets(&self) -> Vec<Target> {
        crate::targets(&self.addrs)
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

/// The future a background server stops on: it completes when the [`Background`] is dropped.
pub type Stopped = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A one-thread runtime with timers and I/O: a server needs no more, since every wait in it
/// is an async timer or socket.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// A server running on its own thread and runtime. Dropping it stops the server (the future
/// given to [`Background::spawn`] sees [`Stopped`] complete) and joins the thread.
#[derive(Debug)]
pub struct Background {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Runs `serve(stopped)` to completion on `rt`, on a new thread named `name`.
    pub fn spawn<F, Fut>(
        name: &str,
        rt: tokio::runtime::Runtime,
        serve: F,
    ) -> std::io::Result<Background>
    where
        F: FnOnce(Stopped) -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        let (stop, stopped) = oneshot::channel::<()>();
        let stopped: Stopped = Box::pin(async move {
            let _ = stopped.await;
        });
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || rt.block_on(serve(stopped)))?;
        Ok(Background {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Holds every request until `need` of them are waiting at the same time; after that the
/// gate stays open. A model that cannot keep this many requests waiting at once times out
/// at the gate instead of passing. Without a `need`, the gate is open from the start.
#[derive(Debug)]
pub struct Rendezvous {
    need: Option<usize>,
    open: watch::Sender<bool>,
}

impl Rendezvous {
    /// A gate that opens once `need` requests wait at once (open at once for `None`).
    pub fn new(need: Option<usize>) -> Rendezvous {
        Rendezvous {
            need,
            open: watch::channel(need.is_none()).0,
        }
    }

    /// How many requests must wait at once, if any.
    pub fn need(&self) -> Option<usize> {
        self.need
    }

    /// A request arrives while `now` are waiting, itself included. `true` once the gate is
    /// open, `false` if it did not open within `patience`.
    pub async fn arrive(&self, now: u64, patience: Duration) -> bool {
        if self.need.is_some_and(|k| now >= k as u64) {
            self.open.send_replace(true);
        }
        let mut open = self.open.subscribe();
        tokio::time::timeout(patience, open.wait_for(|open| *open))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}
