//! Tests sealed from the shell: a step under test gets only the settings its test gives it
//! ([`crate::Step::command`] clears the rest), and [`sealed_from_the_shell`] proves it.

/// Every setting a step reads, each with a wrong value: what a learner's shell may export after
/// following the README's settings table.
pub const SHELL: &[(&str, &str)] = &[
    ("NATS_URL", "nats://127.0.0.1:1"),
    ("NATS_USER", "x"),
    ("NATS_PASSWORD", "x"),
    ("NATS_TOKEN", "x"),
    ("NATS_CA", "/nonexistent"),
    ("NATS_CERT", "/nonexistent"),
    ("NATS_KEY", "/nonexistent"),
    ("NATS_NKEY", "/nonexistent"),
    ("NATS_CREDS", "/nonexistent"),
    ("NATS_WAIT_FOR_SERVER", "1"),
    ("RUST_LOG", "off"),
];

/// Proves that this test program's tests are sealed from the shell: runs all of them but
/// `myself` again, in a child process whose environment holds every setting of [`SHELL`], and
/// fails unless they all pass there too. (Setting the variables in this process would need
/// `unsafe`; a child has its own environment.)
pub fn sealed_from_the_shell(myself: &str) {
    if std::env::var_os("TESTKIT_SEALED_CHILD").is_some() {
        return;
    }
    let program = std::env::current_exe().unwrap_or_else(|err| panic!("no test program: {err}"));
    let out = std::process::Command::new(program)
        .args(["--skip", myself, "--test-threads", "2"])
        .envs(SHELL.iter().copied())
        .env("TESTKIT_SEALED_CHILD", "1")
        .output()
        .unwrap_or_else(|err| panic!("cannot run the tests again: {err}"));
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let ran = said
        .lines()
        .find(|line| line.starts_with("test result:"))
        .unwrap_or_default();
    assert!(
        out.status.success() && ran.contains(" passed") && !ran.contains(" 0 passed"),
        "with the shell's NATS_* settings and RUST_LOG exported, the tests fail:\n{said}"
    );
}
