//! Free loopback ports, and what happens when another process takes one first: a server is
//! started again on other ports, or waits for a port it must have.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A port that was free on 127.0.0.1 a moment ago (another process may take it before a
/// server does: [`NatsServer::start`] and [`Cluster::start`] then start again on others).
pub fn free_port() -> crate::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .map_err(|err| crate::Failure(format!("cannot find a free port on 127.0.0.1: {err}")))?;
    let port = listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|err| crate::Failure(format!("cannot read the port of a free socket: {err}")))?;
    drop(listener);
    if let Some(watcher) = PORT_WATCHER.lock().ok().and_then(|watcher| watcher.clone()) {
        let _ = watcher.send(port);
    }
    Ok(port)
}

/// How long a start waits for ports that another process holds to be free (a restart on the
/// same port, or a fixed port), and keeps picking new ones for those it picked.
pub(crate) const PORT_PATIENCE: Duration = Duration::from_secs(20);

/// How many starts found a port taken and started again, for the tests that prove it.
pub(crate) static PORT_RETRIES: AtomicUsize = AtomicUsize::new(0);

/// Where [`free_port`] announces each port it hands out, for the test that steals them.
static PORT_WATCHER: std::sync::Mutex<Option<std::sync::mpsc::Sender<u16>>> =
    std::sync::Mutex::new(None);

/// For the port-race test: every port [`free_port`] picks from now on is also sent here, so
/// that a thread can grab it before the server that asked for it starts.
pub fn watch_free_ports() -> std::sync::mpsc::Receiver<u16> {
    let (sender, receiver) = std::sync::mpsc::channel();
    if let Ok(mut watcher) = PORT_WATCHER.lock() {
        *watcher = Some(sender);
    }
    receiver
}

/// How many times a server found a port taken and was started again (see [`free_port`]).
pub fn port_retries() -> usize {
    PORT_RETRIES.load(Ordering::Relaxed)
}

/// The server could not listen because another process holds a port.
pub(crate) fn in_use(err: &crate::Failure) -> bool {
    err.0.contains("address already in use")
}

/// Waits until each given port can be bound on 127.0.0.1, or `deadline` passes (then the
/// next start says why it failed). Ports the harness picks itself (`None`) need no wait.
pub(crate) fn wait_for_free_ports(ports: &[Option<u16>], deadline: Instant) {
    let free = |port: &u16| TcpListener::bind(("127.0.0.1", *port)).is_ok();
    let timeout = deadline.saturating_duration_since(Instant::now());
    crate::wait_until(timeout, || ports.iter().flatten().all(free).then_some(()));
}
