//! No port races: the harness picks a free port, lets go of it, and starts a server on it a
//! moment later; under load, another process can take the port in between. Here a thread
//! takes ports the moment the harness hands them out, while many servers and a cluster start
//! at once, and a restart finds its port held by someone else. Every server must still start,
//! on ports that are really its own. (One test in its own program: the port watcher is
//! global.)
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use nats_servers::{Cluster, NatsServer, ServerOptions, port_retries, watch_free_ports};

/// The server answers on its own ports: its monitoring reports the client port we know.
fn assert_own_ports(server: &NatsServer) {
    let varz = server.varz().unwrap();
    assert_eq!(varz["port"], server.port(), "{varz}");
}

#[test]
fn servers_start_while_another_thread_grabs_freshly_released_ports() {
    let stop = Arc::new(AtomicBool::new(false));
    let stolen = Arc::new(AtomicUsize::new(0));
    let thief = spawn_thief(Arc::clone(&stop), Arc::clone(&stolen));

    // Eight servers (two with JetStream) and a three-node cluster, all at once.
    let singles: Vec<_> = (0..8)
        .map(|index| {
            thread::spawn(move || {
                let options = if index < 2 {
                    ServerOptions::new().jetstream(None)
                } else {
                    ServerOptions::new()
                };
                let server = NatsServer::start(options).unwrap();
                assert_own_ports(&server);
            })
        })
        .collect();
    let cluster = thread::spawn(|| {
        let cluster = Cluster::start(3).unwrap();
        for index in 0..cluster.len() {
            assert_own_ports(cluster.node(index));
        }
    });
    for handle in singles {
        handle.join().unwrap();
    }
    cluster.join().unwrap();
    stop.store(true, Ordering::Relaxed);
    thief.join().unwrap();
    assert!(stolen.load(Ordering::Relaxed) > 0, "the thief took no port");
    assert!(port_retries() > 0, "no server had to start again");
    a_restart_waits_for_its_port();
}

/// The thief: takes every third of the first 60 ports the harness picks, before a server can,
/// and holds each for half a second (then it lets the rest start: a cluster needs nine free
/// ports at once). It counts what it took in `stolen`, and ends once `stop` is set.
fn spawn_thief(stop: Arc<AtomicBool>, stolen: Arc<AtomicUsize>) -> thread::JoinHandle<()> {
    let ports = watch_free_ports();
    thread::spawn(move || {
        let mut held = VecDeque::new();
        let mut seen = 0;
        while !stop.load(Ordering::Relaxed) {
            if let Ok(port) = ports.recv_timeout(Duration::from_millis(50)) {
                seen += 1;
                if seen % 3 == 0
                    && seen <= 60
                    && let Ok(listener) = TcpListener::bind(("127.0.0.1", port))
                {
                    stolen.fetch_add(1, Ordering::Relaxed);
                    held.push_back((Instant::now(), listener));
                }
            }
            while held
                .front()
                .is_some_and(|(since, _)| since.elapsed().as_millis() > 500)
            {
                held.pop_front();
            }
        }
    })
}

/// A restart on the same port, while another process holds it for a moment.
fn a_restart_waits_for_its_port() {
    let mut server = NatsServer::start(ServerOptions::new()).unwrap();
    server.stop();
    let squatter = TcpListener::bind(("127.0.0.1", server.port())).unwrap();
    let before = port_retries();
    let release = thread::spawn(move || {
        thread::sleep(Duration::from_millis(700));
        drop(squatter);
    });
    server.restart().unwrap();
    release.join().unwrap();
    assert!(
        port_retries() > before,
        "the restart did not meet the held port"
    );
    assert_own_ports(&server);
}
