//! Runs the CPU-heavy resolvers (search, paths, neighbourhoods) off the async workers, on
//! tokio's blocking threads, at most as many at once as there are cores, under the request's
//! deadline. The async workers stay free for cheap requests however many expensive ones run;
//! past the deadline the request answers TIMEOUT and the work stops at its next check
//! ([`crate::graph::deadline`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::Context;
use tokio::sync::Semaphore;

use super::error::ApiError;
use crate::graph::{Graph, deadline};

/// A graph with fewer nodes and relations than this answers any graph question (each is
/// bounded by the graph's size) in less CPU than the hop to a blocking thread and back: two
/// context switches, which a profile of the seed's 2-hop neighbourhood under load puts at a
/// third of its cost. Such questions run in place, still under the deadline.
const IN_PLACE_BELOW: usize = 1_000;

/// The bound on heavy work: how many run at once, and for how long.
pub struct CpuPool {
    permits: Arc<Semaphore>,
    timeout: Duration,
}

impl CpuPool {
    pub fn new(timeout: Duration) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        CpuPool {
            permits: Arc::new(Semaphore::new(cores)),
            timeout,
        }
    }

    /// Runs `f`, a question about `g`, on a blocking thread under the pool's bound and a
    /// deadline that starts now (waiting for a permit counts): past it, `f` stops at its next
    /// check and the answer is TIMEOUT. On a graph too small to be worth the hop, runs it here.
    /// The resolvers' heavy fields and the plans that hold one both run here.
    pub async fn run<T: Send + 'static>(
        &self,
        g: &Graph,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let deadline = Instant::now() + self.timeout;
        if g.node_count() + g.relation_count() < IN_PLACE_BELOW {
            let out = deadline::with_deadline(deadline, f);
            return self.in_time(deadline).map(|()| out);
        }
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::Internal(format!("the CPU pool is closed: {e}")))?;
        let (out, late) = tokio::task::spawn_blocking(move || {
            // The permit goes with the work: it is released when the work stops, not when a
            // timed-out request stops waiting for it.
            let _permit = permit;
            let out = deadline::with_deadline(deadline, f);
            (out, Instant::now() >= deadline)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("a graph question failed: {e}")))?;
        if late {
            return Err(self.late());
        }
        Ok(out)
    }

    fn in_time(&self, deadline: Instant) -> Result<(), ApiError> {
        if Instant::now() >= deadline {
            return Err(self.late());
        }
        Ok(())
    }

    fn late(&self) -> ApiError {
        ApiError::Timeout(format!(
            "the request took longer than {} s",
            self.timeout.as_secs_f64()
        ))
    }
}

/// Runs `f` on the schema's CPU pool (see [`CpuPool::run`]). Without a pool in the schema's
/// data (unit tests of resolvers), runs it here.
pub async fn heavy<T: Send + 'static>(
    ctx: &Context<'_>,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    match ctx.data_opt::<Arc<CpuPool>>() {
        Some(pool) => {
            let g = super::query::graph(ctx).map_err(|e| ApiError::Internal(e.message))?;
            pool.run(&g, f).await
        }
        None => Ok(f()),
    }
}
