//! The edge, for the lessons `leaf` and `trace`: a hub of two clustered servers, hub-1 and
//! hub-2, and a leaf node, each with JetStream in a domain of its own (`hub`, `leaf`). The
//! leaf's link to hub-1 goes through a [`Link`], which cuts and restores it.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::ports::{PORT_PATIENCE, PORT_RETRIES, free_port, in_use};
use crate::{Cluster, Link, NatsServer, ServerOptions};

/// The hub and the leaf node, linked.
pub struct Edge {
    hub: Cluster,
    leaf: NatsServer,
    link: Link,
}

/// The client and monitoring ports of the leaf and of hub-1 and hub-2 (free ones if not given).
#[derive(Clone, Copy, Debug)]
pub struct EdgePorts {
    pub leaf: (u16, u16),
    pub hub: [(u16, u16); 2],
}

/// The leaf node's configuration: JetStream in its own domain, and a remote to the hub at
/// `link`, retried every second. Subjects under `local.>` never leave the leaf (`deny_exports`).
pub fn leaf_config(link: u16) -> String {
    format!(
        "jetstream {{ domain: leaf }}\nleafnodes {{\n  reconnect: \"1s\"\n  remotes: [ {{ url: \
         \"nats-leaf://127.0.0.1:{link}\", deny_exports: [\"local.>\"] }} ]\n}}\n"
    )
}

/// A hub node's configuration: JetStream in the domain `hub`; hub-1 (`leafnodes` set) takes
/// the leaf's connection, and is tagged so that a stream can be placed where the leaf arrives.
/// It does not advertise its own address (`no_advertise`): the leaf would add it to the ones
/// it tries, and reconnect around a cut link.
pub fn hub_config(leafnodes: Option<u16>) -> String {
    let mut config = "jetstream { domain: hub }\n".to_string();
    if let Some(port) = leafnodes {
        config.push_str(&format!(
            "server_tags: [\"leafnodes\"]\nleafnodes {{ listen: \"127.0.0.1:{port}\", no_advertise: true }}\n"
        ));
    }
    config
}

impl Edge {
    /// Starts hub-1 and hub-2, then the leaf, with `options` for each (a binary), and waits
    /// until the hub's JetStream has its leader and the leaf is linked. `store` holds their
    /// JetStream stores (`hub-1`, `hub-2`, `leaf` inside), else temporary folders.
    pub fn start(
        options: ServerOptions,
        ports: Option<EdgePorts>,
        store: Option<PathBuf>,
    ) -> crate::Result<Edge> {
        let deadline = Instant::now() + PORT_PATIENCE;
        loop {
            match Edge::start_once(options.clone(), ports, store.as_ref()) {
                Err(err) if in_use(&err) && ports.is_none() && Instant::now() < deadline => {
                    PORT_RETRIES.fetch_add(1, Ordering::Relaxed);
                }
                result => return result,
            }
        }
    }

    fn start_once(
        options: ServerOptions,
        ports: Option<EdgePorts>,
        store: Option<&PathBuf>,
    ) -> crate::Result<Edge> {
        let pick = |fixed: Option<u16>| fixed.map_or_else(free_port, Ok);
        let store_for = |name: &str| store.map(|dir| dir.join(name));
        let (routes, leafnodes) = ([free_port()?, free_port()?], free_port()?);
        let mut nodes = Vec::new();
        for index in 0..2 {
            let fixed = ports.map(|ports| ports.hub[index]);
            let leafnodes = (index == 0).then_some(leafnodes);
            let name = format!("hub-{}", index + 1);
            let node = options
                .clone()
                .name(&name)
                .jetstream(store_for(&name))
                .port(pick(fixed.map(|(client, _)| client))?)
                .monitor_port(pick(fixed.map(|(_, monitor)| monitor))?)
                .cluster(routes[index], vec![routes[1 - index]])
                .config(&hub_config(leafnodes));
            nodes.push(NatsServer::start_patiently(node, false)?);
        }
        let hub = Cluster { nodes };
        hub.wait_for_routes(crate::PATIENCE)?;
        hub.wait_for_jetstream(crate::PATIENCE)?;
        let link = Link::start(leafnodes)?;
        let leaf = options
            .name("leaf")
            .jetstream(store_for("leaf"))
            .port(pick(ports.map(|ports| ports.leaf.0))?)
            .monitor_port(pick(ports.map(|ports| ports.leaf.1))?)
            .config(&leaf_config(link.port()));
        let leaf = NatsServer::start_patiently(leaf, false)?;
        let edge = Edge { hub, leaf, link };
        edge.wait_for_link(crate::PATIENCE)?;
        Ok(edge)
    }

    /// hub-1 (0) or hub-2 (1).
    pub fn hub(&self, index: usize) -> &NatsServer {
        self.hub.node(index)
    }

    pub fn leaf(&self) -> &NatsServer {
        &self.leaf
    }

    pub fn link(&self) -> &Link {
        &self.link
    }

    /// True while the leaf has its connection to hub-1 (hub-1's `/leafz`).
    pub fn is_linked(&self) -> bool {
        let leafz = self.hub(0).monitor("/leafz").unwrap_or_default();
        let leafz: serde_json::Value = serde_json::from_str(&leafz).unwrap_or_default();
        leafz["leafnodes"].as_u64().unwrap_or(0) > 0
    }

    /// Waits until the leaf is linked to the hub.
    pub fn wait_for_link(&self, timeout: Duration) -> crate::Result<()> {
        crate::wait_until(timeout, || self.is_linked().then_some(())).ok_or_else(|| {
            let log = self.leaf.log().text();
            crate::Failure(format!(
                "the leaf did not link to hub-1 in {timeout:?}:\n{log}"
            ))
        })
    }
}
