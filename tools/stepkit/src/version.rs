// Included into lib.rs, as shown.rs is (a step taken out of the workspace gets stepkit as one
// module and its included files). A lesson that needs a server newer than 2.10 (the oldest
// async-nats's JetStream takes) says so in one sentence on an older one, rather than failing
// later on a refused setting.

/// `Ok` when `client`'s server is version `at_least` (major, minor) or newer; otherwise the
/// sentence that says which version `step` needs, and which one answered.
pub fn needs_server(client: &Client, at_least: (u32, u32), step: &str) -> Result<(), Problem> {
    let version = client.server_info().version;
    let numbers: Vec<u32> = version.split('.').map_while(|n| n.parse().ok()).collect();
    let (major, minor) = at_least;
    if numbers >= vec![major, minor] {
        return Ok(());
    }
    let sentence = format!("{step} needs nats-server {major}.{minor} or newer: this is {version}.");
    Err(Problem::new(sentence).hint("`cargo xtask server --jetstream` runs the pinned one"))
}
