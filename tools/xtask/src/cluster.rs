//! `cargo xtask cluster`: three nats-servers in a cluster, n1, n2 and n3, on the tutorial's
//! ports, and a prompt to stop, start again, freeze and thaw a node, or ask which node leads a
//! stream: what the guide's failover, frozen-node and replication demonstrations ask a person
//! to do.

use nats_servers::{Cluster, NodePorts, ServerOptions};

use crate::setup::guide_nats_server;

/// What a person can type at the cluster's prompt.
const PROMPT: &str = "xtask: type 1, 2 or 3 and Enter to stop that node or start it again; \
                      f1, f2 or f3 to freeze it (kill -STOP) or thaw it; leader [STREAM] to see \
                      which node leads a stream (ORDERS unless named); Ctrl-C ends all";

/// `cargo xtask cluster [--jetstream]`.
pub fn cluster(args: &[String]) -> Result<(), String> {
    let mut options = ServerOptions::new();
    let mut flags = String::new();
    match args {
        [] => {}
        [flag] if flag == "--jetstream" || flag == "-js" => {
            let store = crate::workspace::root()
                .join("target")
                .join("jetstream-cluster");
            options = options.jetstream(Some(store.clone()));
            flags = format!(" with JetStream (stores in {}/n1, n2, n3)", store.display());
        }
        _ => return Err("cluster: the only option is --jetstream (-js)".to_string()),
    }
    let options = options.bin(guide_nats_server()?);
    let ports: Vec<NodePorts> = (0..3)
        .map(|index| NodePorts {
            client: 4222 + index,
            route: 6222 + index,
            monitor: 8222 + index,
        })
        .collect();
    println!("xtask: starting n1, n2 and n3{flags}");
    let mut cluster = Cluster::start_on(&ports, options).map_err(|err| {
        format!(
            "{err}\nhint: ports 4222-4224, 6222-6224 and 8222-8224 must be free (is a \
             nats-server already running?)"
        )
    })?;
    println!("xtask: the cluster is up: n1, n2, n3 route to each other");
    for (index, port) in ports.iter().enumerate() {
        println!(
            "  n{}  clients nats://localhost:{}  monitoring http://localhost:{}",
            index + 1,
            port.client,
            port.monitor
        );
    }
    println!("{PROMPT}");
    let mut frozen = [false; 3];
    let mut line = String::new();
    loop {
        line.clear();
        match std::io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        match command(&mut cluster, &mut frozen, line.trim()) {
            Ok(said) => println!("xtask: {said}"),
            Err(problem) => println!("xtask: {problem}"),
        }
    }
    Ok(())
}

/// Carries out one typed command and says what it did.
fn command(cluster: &mut Cluster, frozen: &mut [bool; 3], typed: &str) -> Result<String, String> {
    if let Some(stream) = typed.strip_prefix("leader") {
        let stream = match stream.trim() {
            "" => "ORDERS",
            name => name,
        };
        return Ok(match cluster.stream_leader(stream) {
            Some(index) => format!("n{} leads the stream {stream}", index + 1),
            None => format!("no running node leads a stream {stream} (is there one?)"),
        });
    }
    let (freeze, number) = match typed.strip_prefix('f') {
        Some(number) => (true, number),
        None => (false, typed),
    };
    let index = number
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=3).contains(n))
        .ok_or_else(|| PROMPT.trim_start_matches("xtask: ").to_string())?;
    let node = cluster.node_mut(index - 1);
    let slot = &mut frozen[index - 1];
    match (freeze, node.is_running()) {
        (true, false) => Err(nats_servers::Failure(format!(
            "n{index} is stopped; type {index} to start it"
        ))),
        (true, true) if !*slot => node.freeze().map(|()| {
            *slot = true;
            format!("froze n{index}: its connections stay open, and it answers nothing")
        }),
        (true, true) => node.thaw().map(|()| {
            *slot = false;
            format!("thawed n{index}")
        }),
        (false, true) => {
            node.stop();
            *slot = false;
            Ok(format!("stopped n{index}"))
        }
        (false, false) => node.restart().map(|()| format!("started n{index} again")),
    }
    .map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_stops_starts_freezes_thaws_and_names_the_leader() {
        let options = ServerOptions::new().jetstream(None);
        let mut cluster = Cluster::start_with(3, options).unwrap_or_else(|err| panic!("{err}"));
        let mut frozen = [false; 3];
        let mut say = |typed: &str| command(&mut cluster, &mut frozen, typed);
        assert!(say("leader").is_ok_and(|said| said.contains("no running node leads")));
        assert!(say("f2").is_ok_and(|said| said.starts_with("froze n2")));
        assert!(say("f2").is_ok_and(|said| said == "thawed n2"));
        assert!(say("3").is_ok_and(|said| said == "stopped n3"));
        assert!(say("f3").is_err_and(|problem| problem.contains("n3 is stopped")));
        assert!(say("3").is_ok_and(|said| said == "started n3 again"));
        assert!(say("9").is_err_and(|problem| problem.contains("type 1, 2 or 3")));
        assert_eq!(frozen, [false; 3]);
    }

    #[test]
    fn a_jetstream_cluster_gives_each_node_a_store_of_its_own() {
        let dir = std::env::temp_dir().join(format!("xtask-js-cluster-{}", std::process::id()));
        let options = ServerOptions::new().jetstream(Some(dir.clone()));
        let cluster = Cluster::start_with(3, options).unwrap_or_else(|err| panic!("{err}"));
        cluster
            .wait_for_jetstream(nats_servers::PATIENCE)
            .unwrap_or_else(|err| panic!("{err}"));
        for index in 0..3 {
            let jsz = cluster
                .node(index)
                .monitor("/jsz")
                .unwrap_or_else(|err| panic!("{err}"));
            let own = dir.join(format!("n{}", index + 1));
            assert!(
                jsz.contains(&format!("\"store_dir\": \"{}", own.display())),
                "{jsz}"
            );
        }
        drop(cluster);
        let _ = std::fs::remove_dir_all(dir);
    }
}
