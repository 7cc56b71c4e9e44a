//! `cargo xtask reset`: start the guide afresh. The chapters leave state behind on purpose
//! (streams, durable consumers and buckets in the JetStream stores, keys and certificates);
//! a learner who goes through a chapter again, or fixes an exercise, wants it gone.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use nats_servers::LEFT_BEHIND;

/// Removes every folder of [`LEFT_BEHIND`], once no server runs on the tutorial's ports (a
/// running server keeps its store open and would write it again).
pub fn run() -> Result<(), String> {
    let running: Vec<u16> = (4222..=4224).filter(|port| listening(*port)).collect();
    if !running.is_empty() {
        return Err(format!(
            "a server still listens on localhost:{running:?}: stop it first (Ctrl-C in its \
             terminal), since a running server keeps its store open and writes it again"
        ));
    }
    remove_left_behind(&crate::workspace::root().join("target"))?;
    println!(
        "xtask: a fresh start: the next server begins with no stream, consumer, bucket, key or \
         certificate"
    );
    Ok(())
}

/// Removes the folders of [`LEFT_BEHIND`] from `target`, and nothing else.
fn remove_left_behind(target: &std::path::Path) -> Result<(), String> {
    for (folder, what) in LEFT_BEHIND {
        let path = target.join(folder);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .map_err(|err| format!("cannot remove {}: {err}", path.display()))?;
            println!("xtask: removed target/{folder}: {what}");
        }
    }
    Ok(())
}

fn listening(port: u16) -> bool {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_removes_the_chapters_state_and_keeps_the_builds_and_tools() {
        let scratch = nats_servers::pki::ScratchDir::new("reset");
        let kept = ["debug", "tools"];
        for folder in LEFT_BEHIND.iter().map(|(folder, _)| *folder).chain(kept) {
            std::fs::create_dir_all(scratch.path().join(folder).join("inside"))
                .unwrap_or_else(|err| panic!("{err}"));
        }
        remove_left_behind(scratch.path()).unwrap_or_else(|err| panic!("{err}"));
        for (folder, _) in LEFT_BEHIND {
            assert!(
                !scratch.path().join(folder).exists(),
                "{folder} is still there"
            );
        }
        for folder in kept {
            assert!(scratch.path().join(folder).exists(), "{folder} was removed");
        }
    }
}
