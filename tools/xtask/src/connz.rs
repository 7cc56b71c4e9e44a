//! `cargo xtask connz`: the connections of a running nats-server as a live table, read from
//! its monitoring port: who is connected (the name each step gives its connection), what they
//! subscribe to, and how many messages they published and received. On a shared server in a
//! classroom, it is the class on the wall.

use std::io::{IsTerminal, Write};
use std::time::Duration;

/// `cargo xtask connz [--host HOST] [--port PORT] [--once]`: every second, until Ctrl-C (or
/// once). HOST reaches a server on another machine whose monitoring listens on the network.
pub fn run(args: &[String]) -> Result<(), String> {
    let (mut host, mut port) = ("127.0.0.1".to_string(), 8222);
    let mut once = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--once" => once = true,
            "--host" => {
                host = args
                    .next()
                    .ok_or("--host takes a host name or address")?
                    .clone()
            }
            "--port" => {
                port = args
                    .next()
                    .and_then(|value| value.parse().ok())
                    .ok_or("--port takes the monitoring port, such as 8222")?;
            }
            other => return Err(format!("connz: unknown option '{other}'")),
        }
    }
    let live = !once && std::io::stdout().is_terminal();
    loop {
        let body =
            nats_servers::monitor_at(&host, port, "/connz?subs=1&limit=4096").map_err(|err| {
                format!(
                    "{err}\nhint: is a nats-server running with monitoring on {host}:{port}? \
                 `cargo xtask server` has it on 8222; `nats-server -m {port}` for your own"
                )
            })?;
        let table = nats_servers::connz_table(&body)?;
        if live {
            // Clear the terminal and draw the table again from its top.
            print!("\x1b[2J\x1b[H");
        }
        println!("{table}");
        let _ = std::io::stdout().flush();
        if once {
            return Ok(());
        }
        if live {
            println!("(every second; Ctrl-C to stop)");
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}
