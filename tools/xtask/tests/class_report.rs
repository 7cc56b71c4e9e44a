//! In a class, `cargo xtask check` reports its result; with the class server down, it says so
//! in one line and the check still fails (or passes) on its own. (The report that arrives, and
//! the report service's refusals, are tested with a real class in tools/classroom/tests.)
#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn a_check_with_the_class_server_down_says_so_and_keeps_its_result() {
    let (server, _) = nats_servers::find_nats_server().unwrap();
    let nobody = nats_servers::free_port().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check", "timeouts"])
        .env("NATS_SERVER_BIN", server)
        .env("NATS_CLASS", "1")
        .env("NATS_URL", format!("nats://127.0.0.1:{nobody}"))
        .env("NATS_USER", "alice")
        .env("NATS_PASSWORD", "a-secret-of-alice")
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    // The untouched starter fails its checks: exit 1, with its own verdict.
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("exercise timeouts: 0 of 2 checks pass."),
        "{said}"
    );
    let skipped: Vec<&str> = said
        .lines()
        .filter(|line| line.contains("not reported to the class"))
        .collect();
    assert_eq!(skipped.len(), 1, "{said}");
    assert!(
        skipped[0].contains(&format!("the class server at nats://127.0.0.1:{nobody}")),
        "{said}"
    );
    assert!(!said.contains("a-secret-of-alice"), "{said}");
}
