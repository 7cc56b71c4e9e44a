//! Several nats-servers joined in a cluster on loopback.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::ports::{PORT_PATIENCE, PORT_RETRIES, free_port, in_use};
use crate::{NatsServer, ServerOptions};

/// Several nats-servers joined in a cluster on loopback, named n1, n2, ...
pub struct Cluster {
    pub(crate) nodes: Vec<NatsServer>,
}

/// Ports for one cluster node: clients, routes between servers, monitoring.
#[derive(Clone, Copy, Debug)]
pub struct NodePorts {
    pub client: u16,
    pub route: u16,
    pub monitor: u16,
}

impl Cluster {
    /// Starts `size` nodes on free ports and waits until every node has a route to every
    /// other one (after that, a message published on any node reaches subscribers on all).
    pub fn start(size: usize) -> crate::Result<Cluster> {
        Cluster::start_with(size, ServerOptions::new())
    }

    /// [`Cluster::start`] with `options` for every node (a nats-server binary, for example).
    /// When another process takes one of the picked ports first, the nodes started so far are
    /// stopped and the cluster starts again on new ports.
    pub fn start_with(size: usize, options: ServerOptions) -> crate::Result<Cluster> {
        let deadline = Instant::now() + PORT_PATIENCE;
        loop {
            let mut ports = Vec::with_capacity(size);
            for _ in 0..size {
                let (client, route, monitor) = (free_port()?, free_port()?, free_port()?);
                ports.push(NodePorts {
                    client,
                    route,
                    monitor,
                });
            }
            match Cluster::start_nodes(&ports, options.clone(), false) {
                Err(err) if in_use(&err) && Instant::now() < deadline => {
                    PORT_RETRIES.fetch_add(1, Ordering::Relaxed);
                }
                result => return result,
            }
        }
    }

    /// Starts one node per entry of `ports`, each with `options` plus its name, ports and
    /// routes, and waits until the routes are up.
    /// A port in `ports` that another process holds is waited for.
    pub fn start_on(ports: &[NodePorts], options: ServerOptions) -> crate::Result<Cluster> {
        Cluster::start_nodes(ports, options, true)
    }

    fn start_nodes(
        ports: &[NodePorts],
        options: ServerOptions,
        wait_for_ports: bool,
    ) -> crate::Result<Cluster> {
        let mut nodes = Vec::with_capacity(ports.len());
        for (index, own) in ports.iter().enumerate() {
            let routes = ports
                .iter()
                .filter(|other| other.route != own.route)
                .map(|other| other.route)
                .collect();
            let name = format!("n{}", index + 1);
            let mut node_options = options.clone();
            // One JetStream store per node: in a folder named after it, inside the one given.
            if let Some(dir) = &options.store_dir {
                node_options.store_dir = Some(dir.join(&name));
            }
            let node = NatsServer::start_patiently(
                node_options
                    .name(&name)
                    .port(own.client)
                    .monitor_port(own.monitor)
                    .cluster(own.route, routes),
                wait_for_ports,
            )?;
            nodes.push(node);
        }
        let cluster = Cluster { nodes };
        cluster.wait_for_routes(crate::PATIENCE)?;
        Ok(cluster)
    }

    /// Node `index` (0 is n1).
    pub fn node(&self, index: usize) -> &NatsServer {
        &self.nodes[index]
    }

    pub fn node_mut(&mut self, index: usize) -> &mut NatsServer {
        &mut self.nodes[index]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Every node's client URL, comma-separated, as NATS_URL takes them.
    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(NatsServer::url)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The index of the node whose own clients hold a subscription to `subject`.
    pub fn node_with_subscription(&self, subject: &str) -> Option<usize> {
        self.nodes.iter().position(|node| {
            node.child.is_some()
                && node
                    .subscriptions()
                    .map(|subs| subs.iter().any(|(_, s)| s == subject))
                    .unwrap_or(false)
        })
    }

    /// Waits until one of the nodes holds a client subscription to `subject`, and returns its
    /// index (after a failover: the node the subscriber moved to).
    pub fn wait_for_subscription(&self, subject: &str, timeout: Duration) -> crate::Result<usize> {
        crate::wait_until(timeout, || self.node_with_subscription(subject)).ok_or_else(|| {
            crate::Failure(format!(
                "no node of the cluster held a subscription to '{subject}' within {timeout:?}"
            ))
        })
    }

    /// Waits until the nodes' JetStream has elected a meta leader, the node that creates
    /// streams and consumers for the cluster (before that, the JetStream API does not answer).
    /// It also waits until that leader knows every running node as a current peer: before,
    /// a stream with as many replicas as nodes finds "no suitable peers for placement".
    pub fn wait_for_jetstream(&self, timeout: Duration) -> crate::Result<()> {
        let running = self.nodes.iter().filter(|node| node.is_running()).count();
        crate::wait_until(timeout, || {
            self.jsz("/jsz").find_map(|(node, jsz)| {
                let meta = &jsz["meta_cluster"];
                // The leader's own view: the other peers, and whether each is up to date.
                let leads = meta["leader"].as_str()? == node.options.name.as_deref()?;
                let peers = meta["replicas"].as_array().cloned().unwrap_or_default();
                let current = peers.iter().filter(|peer| peer["current"] == true).count();
                (leads && current + 1 >= running).then_some(())
            })
        })
        .ok_or_else(|| {
            crate::Failure(format!(
                "JetStream's nodes did not all join its meta group in {timeout:?}"
            ))
        })
    }

    /// Each running node with its JetStream report (`path`: `/jsz` and its options).
    fn jsz<'a>(
        &'a self,
        path: &'a str,
    ) -> impl Iterator<Item = (&'a NatsServer, serde_json::Value)> + 'a {
        self.nodes
            .iter()
            .filter(|node| node.is_running())
            .filter_map(move |node| {
                let jsz = node.monitor(path).ok()?;
                Some((node, serde_json::from_str(&jsz).ok()?))
            })
    }

    /// The index of the node that leads the stream `name` (which stores each message first
    /// and acknowledges it once a majority of the replicas has it), from `/jsz`.
    pub fn stream_leader(&self, name: &str) -> Option<usize> {
        self.jsz("/jsz?streams=true").find_map(|(_, jsz)| {
            let streams = jsz["account_details"]
                .as_array()?
                .iter()
                .flat_map(|account| {
                    account["stream_detail"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                });
            let leader = streams
                .filter(|stream| stream["name"] == name)
                .find_map(|stream| stream["cluster"]["leader"].as_str().map(str::to_string))?;
            self.nodes
                .iter()
                .position(|node| node.options.name.as_deref() == Some(&leader))
        })
    }

    /// Waits until each running node reports routes to all the other running nodes.
    pub fn wait_for_routes(&self, timeout: Duration) -> crate::Result<()> {
        let running = self
            .nodes
            .iter()
            .filter(|node| node.child.is_some())
            .count();
        let mut missing = Vec::new();
        let connected = crate::wait_until(timeout, || {
            missing.clear();
            for node in self.nodes.iter().filter(|node| node.child.is_some()) {
                let routes = node
                    .monitor("/routez")
                    .ok()
                    .and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok())
                    .and_then(|json| json["num_routes"].as_u64())
                    .unwrap_or(0);
                // Newer servers open several connections per pair of nodes (a route pool).
                if (routes as usize) < running - 1 {
                    missing.push(format!("{} has {routes} route(s)", node.url()));
                }
            }
            missing.is_empty().then_some(())
        });
        connected.ok_or_else(|| {
            crate::Failure(format!(
                "the cluster did not connect within {timeout:?}: {}",
                missing.join(", ")
            ))
        })
    }
}
