//! Keeps the gateway's route table in step with the control plane: installs
//! what it serves at once, then again after every change it announces.

use std::sync::Arc;
use std::time::Duration;

use cognate_apigw::ApiGateway;
use tokio::task::JoinHandle;

use crate::Gateway;

/// First wait before reading the control plane again after a failure;
/// doubled on each failure up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY: Duration = Duration::from_secs(30);

/// How often the store's document generation is read, so that changes other
/// nodes made to a shared database are served here too.
pub const POLL: Duration = Duration::from_secs(2);

/// Installs `control.live()` now and again whenever it may have changed:
/// after every change seen on `control.follow()` (reporting each installed
/// change back with `control.applied()`, so the operation that made it can
/// answer), and when the store's document generation moved (another node
/// wrote to a shared database; read every [`POLL`]). Changes that arrive
/// while an install runs are coalesced into one more install. When the
/// control plane cannot be read, the failure is logged, the installed table
/// stays, and the read is retried with backoff. Ends when the control plane
/// is dropped.
pub fn spawn_reloader(gw: Arc<Gateway>, control: Arc<ApiGateway>) -> JoinHandle<()> {
    spawn_reloader_polling(gw, control, POLL)
}

/// [`spawn_reloader`] reading the store's generation every `poll`.
pub fn spawn_reloader_polling(
    gw: Arc<Gateway>,
    control: Arc<ApiGateway>,
    poll: Duration,
) -> JoinHandle<()> {
    let mut changes = control.follow();
    tokio::spawn(async move {
        let mut retry: Option<Duration> = None;
        loop {
            let generation = *changes.borrow_and_update();
            let stored = control.stored_generation().await.ok();
            retry = match control.live().await {
                Ok(live) => {
                    gw.install(live).await;
                    control.applied(generation);
                    None
                }
                Err(e) => {
                    let wait = retry.map_or(FIRST_RETRY, |w| (w * 2).min(MAX_RETRY));
                    tracing::error!(error = %e, retry_in_ms = wait.as_millis() as u64, "cannot read the deployed configuration; keeping the installed route table");
                    Some(wait)
                }
            };
            // Wait for a reason to read the control plane again.
            loop {
                tokio::select! {
                    changed = changes.changed() => {
                        if changed.is_err() {
                            tracing::info!("the control plane is gone; the gateway stops reloading");
                            return;
                        }
                        break;
                    }
                    () = tokio::time::sleep(retry.unwrap_or(poll)) => {
                        if retry.is_some() {
                            break;
                        }
                        match control.stored_generation().await {
                            Ok(now) if Some(now) != stored => break,
                            _ => {}
                        }
                    }
                }
            }
        }
    })
}
