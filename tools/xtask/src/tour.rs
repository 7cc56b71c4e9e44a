//! `cargo xtask tour`: the whole tutorial, run for real and shown the way a learner would see
//! it in their terminals, ending with a verdict per step.

use crate::script::{Mode, Script};
use crate::setup::guide_nats_server;
use crate::tutorial;
use crate::workspace::build_steps;

pub fn run() -> Result<(), String> {
    // The server version the guide was recorded with, so that the tour shows the same.
    let server = guide_nats_server()?;
    build_steps()?;
    let mut script = Script::new(Mode::Tour, Some(server));
    tutorial::run(&mut script)
}
