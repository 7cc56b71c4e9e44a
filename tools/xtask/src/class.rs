//! In a class (a student's settings file from `classroom start` is loaded: `NATS_CLASS=1`),
//! `cargo xtask check` reports each result to the class's report service. The client that
//! sends it is the `class-report` crate, so that xtask itself needs no NATS client and
//! `cargo xtask server` builds only what serving needs.

use crate::workspace::{self, cargo};

/// Reports `result` ("passed", "N of M" or "does not compile") for `exercise`, in a class.
pub fn report(exercise: &str, result: &str) {
    if std::env::var("NATS_CLASS").as_deref() != Ok("1") {
        return;
    }
    let mut command = cargo();
    command.args(["run", "--quiet", "--package", "class-report", "--"]);
    command.args([exercise, result]);
    match workspace::status(&mut command) {
        Ok(status) if status.success() => {}
        Ok(status) => println!("xtask: not reported to the class (class-report: {status})"),
        Err(why) => println!("xtask: not reported to the class ({why})"),
    }
}
