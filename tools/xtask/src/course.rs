//! The course: the steps in the guide's order, each in the folder of its part, and the
//! exercises in the order the chapters offer them. The one list of them: xtask reads it, and
//! the checks crate (`cargo xtask lessons`) checks it against the workspace's members and the README's tables.
//! A new lesson goes into its part's folder and into this list (README: "Adding a lesson").

/// Each step as (part folder, package), in teaching order.
pub const STEPS: &[(&str, &str)] = &[
    ("tutorial", "async-sub"),
    ("tutorial", "pub-simple"),
    ("tutorial", "pub-msg"),
    ("tutorial", "sync-sub"),
    ("tutorial", "auth-sub"),
    ("tutorial", "auth-pub"),
    ("beyond", "wildcard-sub"),
    ("beyond", "counter-sub"),
    ("beyond", "queue-sub"),
    ("beyond", "request"),
    ("beyond", "reply"),
    ("beyond", "headers"),
    ("beyond", "cluster-sub"),
    ("beyond", "pub-ticker"),
    ("security", "token-pub"),
    ("security", "permissions"),
    ("security", "nkey-pub"),
    ("security", "creds-pub"),
    ("security", "tls-pub"),
    ("jetstream", "js-pub"),
    ("jetstream", "js-pull"),
    ("jetstream", "js-retention"),
    ("jetstream", "js-poison"),
    ("jetstream", "kv"),
    ("jetstream", "objects"),
    ("jetstream", "js-ttl"),
    ("jetstream", "js-priority"),
    ("jetstream", "js-counter"),
    ("jetstream", "js-schedule"),
    ("services", "service"),
    ("services", "calc"),
    ("services", "discover"),
    ("services", "quotes"),
    ("services", "gather"),
    ("topology", "mapping"),
    ("topology", "js-mirror"),
    ("topology", "leaf"),
    ("topology", "trace"),
    ("topology", "web"),
];

/// The exercises (folders of `exercises/` and `solutions/`), in the order the guide offers them.
pub const EXERCISES: &[&str] = &[
    "timeouts",
    "auth",
    "counter",
    "wildcard",
    "queue",
    "request-reply",
    "tls",
    "ack-it",
    "workqueue",
    "poison",
    "kv-counter",
    "session-ttl",
    "incr-counter",
    "service-endpoint",
    "gather-quotes",
];

/// The folders that hold the steps, one per part of the guide (the checks crate's course test
/// reads it; xtask has no use of its own for it).
#[allow(dead_code)]
pub const PARTS: &[&str] = &[
    "tutorial",
    "beyond",
    "security",
    "jetstream",
    "services",
    "topology",
];

/// The folder of `step`, relative to the workspace's root: `tutorial/async-sub`.
pub fn step_dir(step: &str) -> Option<String> {
    STEPS
        .iter()
        .find(|(_, name)| *name == step)
        .map(|(part, name)| format!("{part}/{name}"))
}
