//! A network link between two servers that can be cut and restored: a TCP relay on loopback.
//! A leaf node's remote points at it instead of at the hub, so that cutting it is what a
//! dropped network is to the leaf: its connection breaks, its attempts to reconnect are
//! refused, and both servers go on running.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

/// A relay from a port of its own to `target`. Dropping it cuts the link for good.
pub struct Link {
    port: u16,
    target: u16,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    cut: bool,
    /// Both ends of every relayed connection, to shut down on a cut.
    sockets: Vec<TcpStream>,
}

impl Link {
    /// Listens on a free loopback port and relays each connection to `127.0.0.1:target`.
    pub fn start(target: u16) -> crate::Result<Link> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .map_err(|err| crate::Failure(format!("cannot listen for the link: {err}")))?;
        let port = listener
            .local_addr()
            .map_err(|err| crate::Failure(format!("cannot read the link's port: {err}")))?
            .port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        thread::spawn(move || {
            for incoming in listener.incoming() {
                let Ok(near) = incoming else { continue };
                let mut state = lock(&shared);
                if state.cut {
                    let _ = near.shutdown(Shutdown::Both); // refused, as a dead network does
                    continue;
                }
                if let Ok(far) = TcpStream::connect(("127.0.0.1", target)) {
                    relay(&near, &far, &mut state);
                }
            }
        });
        Ok(Link {
            port,
            target,
            state,
        })
    }

    /// The port to connect to instead of the target's.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port the link leads to.
    pub fn target(&self) -> u16 {
        self.target
    }

    /// Breaks every connection through the link, and refuses new ones until [`Link::restore`].
    pub fn cut(&self) {
        let mut state = lock(&self.state);
        state.cut = true;
        for socket in state.sockets.drain(..) {
            let _ = socket.shutdown(Shutdown::Both);
        }
    }

    /// Lets connections through again (the leaf reconnects by itself).
    pub fn restore(&self) {
        lock(&self.state).cut = false;
    }

    pub fn is_cut(&self) -> bool {
        lock(&self.state).cut
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.cut();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Copies bytes both ways between `near` and `far` until either side closes, then closes both.
fn relay(near: &TcpStream, far: &TcpStream, state: &mut State) {
    let (Ok(near_copy), Ok(far_copy)) = (near.try_clone(), far.try_clone()) else {
        return;
    };
    state.sockets.retain(|socket| socket.peer_addr().is_ok());
    state.sockets.extend([near_copy, far_copy]);
    for (from, to) in [(near, far), (far, near)] {
        let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
            continue;
        };
        thread::spawn(move || {
            let mut buffer = [0u8; 16 * 1024];
            while let Ok(read) = from.read(&mut buffer) {
                if read == 0 || to.write_all(&buffer[..read]).is_err() {
                    break;
                }
            }
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
        });
    }
}
