//! `cargo xtask leaf`: the edge of the leaf and trace lessons, a hub of two servers (hub-1 and
//! hub-2, in a cluster) and a leaf node linked to hub-1, on the tutorial's ports; Enter cuts
//! the leaf's link and restores it, as the leaf lesson asks a person to do.

use nats_servers::{Edge, EdgePorts, ServerOptions};

use crate::setup::guide_nats_server;

/// `cargo xtask leaf`.
pub fn leaf(args: &[String]) -> Result<(), String> {
    crate::no_arguments(args)?;
    let store = crate::workspace::root()
        .join("target")
        .join("jetstream-edge");
    let ports = EdgePorts {
        leaf: (4222, 8222),
        hub: [(4223, 8223), (4224, 8224)],
    };
    println!(
        "xtask: starting hub-1 and hub-2, then the leaf node (stores in {})",
        store.display()
    );
    let options = ServerOptions::new().bin(guide_nats_server()?);
    let edge = Edge::start(options, Some(ports), Some(store)).map_err(|err| {
        format!("{err}\nhint: ports 4222-4224 and 8222-8224 must be free (is a nats-server already running?)")
    })?;
    println!("xtask: the leaf node is linked to hub-1; JetStream domains leaf and hub");
    println!("  leaf   clients nats://localhost:4222  monitoring http://localhost:8222");
    for (index, (client, monitor)) in ports.hub.iter().enumerate() {
        let name = format!("hub-{}", index + 1);
        println!(
            "  {name}  clients nats://localhost:{client}  monitoring http://localhost:{monitor}"
        );
    }
    let prompt = "xtask: press Enter to cut the leaf's link to the hub, Enter again to restore it; Ctrl-C ends all";
    println!("{prompt}");
    let mut line = String::new();
    while std::io::stdin()
        .read_line(&mut line)
        .is_ok_and(|read| read > 0)
    {
        line.clear();
        if edge.link().is_cut() {
            edge.link().restore();
            println!("xtask: link restored: the leaf reconnects to hub-1 within a second");
        } else {
            edge.link().cut();
            println!("xtask: link cut: the leaf and the hub go on alone (Enter restores it)");
        }
    }
    Ok(())
}
