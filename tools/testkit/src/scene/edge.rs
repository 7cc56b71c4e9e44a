//! The edge of `cargo xtask leaf` in a scene: hub-1, hub-2 and the leaf node on free ports,
//! shown as the tutorial's (the leaf on 4222, the hub on 4223 and 4224).

use nats_servers::{Edge, NatsServer, ServerOptions};

use super::Script;

impl Script {
    /// Starts the edge (see [`Edge`]); the steps that follow connect to the leaf, and find
    /// hub-2 in `NATS_HUB_URL`.
    pub fn edge(&mut self) -> Result<Edge, String> {
        let edge = Edge::start(ServerOptions::new(), None, None).map_err(|err| err.0)?;
        self.ports.push((edge.leaf().port(), 4222));
        for index in 0..2 {
            self.ports
                .push((edge.hub(index).port(), 4223 + index as u16));
        }
        self.url = edge.leaf().url();
        self.hidden_env.push(("NATS_HUB_URL", edge.hub(1).url()));
        // The link's relay and hub-1's port for leaf nodes, which `cargo xtask leaf` picks.
        self.ports.push((edge.link().port(), 7421));
        self.ports.push((edge.link().target(), 7422));
        self.say("(a fresh private hub and leaf node; terminal 1 $ cargo xtask leaf)");
        Ok(edge)
    }

    /// A plain server of the scene's own, as `cargo xtask server` starts one.
    pub fn plain_server(&mut self) -> Result<NatsServer, String> {
        let server = self.server(ServerOptions::new())?;
        self.say("(a fresh private nats-server; terminal 1 $ cargo xtask server)");
        Ok(server)
    }

    /// Gives every step started from now on the setting `name`, without showing it in the
    /// command lines (a port the scene picked, where the guide's command uses the default).
    pub fn hidden_setting(&mut self, name: &'static str, value: &str) {
        self.hidden_env.push((name, value.to_string()));
    }
}
