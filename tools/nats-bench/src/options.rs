//! The command line: what to measure.

use std::time::Duration;

const DEFAULT_URL: &str = "nats://localhost:4222";

/// What to measure, from the command line.
#[derive(Clone, Debug)]
pub struct Settings {
    pub url: String,
    pub pubs: usize,
    pub subs: usize,
    pub msgs: u64,
    pub size: usize,
    pub subject: String,
    pub request: bool,
    pub jetstream: bool,
    pub csv: Option<String>,
    pub sub_capacity: usize,
    pub work: Duration,
}

impl Settings {
    /// One line saying what is about to be measured.
    pub fn describe(&self) -> String {
        if self.jetstream {
            return format!(
                "nats-bench: JetStream, one publisher, {} msgs x {} B to the stream BENCH at {}, four ways",
                self.msgs, self.size, self.url
            );
        }
        let (mode, pubs, subs) = if self.request {
            ("request-reply", "requester(s)", "responder(s)")
        } else {
            ("pub/sub", "publisher(s)", "subscriber(s)")
        };
        format!(
            "nats-bench: {mode}, {} {pubs}, {} {subs}, {} msgs x {} B on '{}' at {}",
            self.pubs, self.subs, self.msgs, self.size, self.subject, self.url
        )
    }
}

/// Reads the options and `NATS_URL`.
pub fn parse_arguments() -> Result<Settings, String> {
    let mut settings = Settings {
        url: std::env::var("NATS_URL").unwrap_or_else(|_| DEFAULT_URL.to_string()),
        pubs: 1,
        subs: 1,
        msgs: 100_000,
        size: 16,
        subject: "bench".to_string(),
        request: false,
        jetstream: false,
        csv: None,
        sub_capacity: 1 << 20,
        work: Duration::ZERO,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--request" {
            settings.request = true;
            continue;
        }
        if flag == "--jetstream" {
            settings.jetstream = true;
            continue;
        }
        let Some(value) = args.next() else {
            return Err(format!("{flag} needs a value.\nhint: {USAGE}"));
        };
        let number = |value: &str| -> Result<u64, String> {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag} takes a whole number, not '{value}'.\nhint: {USAGE}"))
        };
        match flag.as_str() {
            "--pubs" => settings.pubs = number(&value)?.max(1) as usize,
            "--subs" => settings.subs = number(&value)? as usize,
            "--msgs" => settings.msgs = number(&value)?,
            "--size" => settings.size = number(&value)? as usize,
            "--subject" => settings.subject = value,
            "--csv" => settings.csv = Some(value),
            "--sub-capacity" => settings.sub_capacity = number(&value)?.max(1) as usize,
            "--work-us" => settings.work = Duration::from_micros(number(&value)?),
            _ => return Err(format!("unknown option '{flag}'.\nhint: {USAGE}")),
        }
    }
    if settings.request && settings.subs == 0 {
        return Err("request-reply needs at least one responder (--subs 1)".to_string());
    }
    Ok(settings)
}

const USAGE: &str = "nats-bench [--pubs N] [--subs N] [--msgs N] [--size BYTES] \
    [--subject S] [--request] [--jetstream] [--csv FILE] [--sub-capacity N] [--work-us N]";
