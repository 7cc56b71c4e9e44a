//! The class server's configuration: an account per student, and the class account that joins
//! them. Accounts are NATS's walls: subjects, subscriptions and JetStream streams of one account
//! are invisible to the others, so every student can use `foo`, `ORDERS` or the bucket
//! `tutorial` as the guide says. What crosses a wall is declared twice, exported by one account
//! and imported by the other:
//!
//! - a student's `class.X` goes to the class account as `from.NAME.class.X` (a service import
//!   with a new name: the server writes in who sent it, so no one can speak for someone else);
//! - the class account's `to.NAME.class.X` arrives in NAME's account as `class.X` (a stream
//!   import); the classroom program relays each student's message to every other student;
//! - `class.report` is one of those `class.X`: the class's report service answers it as
//!   `from.NAME.class.report`, checks the report and writes the class account's bucket
//!   `progress` itself. Students import no `$KV` subject: the bucket is out of their reach.
//!
//! Every client speaks TLS, with the class's own CA: passwords never cross the room in clear.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::roster::{CLASS_ACCOUNT, Login, Roster};

/// Each student's JetStream limits: the tutorial's streams and buckets need a few megabytes.
const STUDENT_MEMORY_MB: usize = 32;
const STUDENT_FILE_MB: usize = 256;
/// The class account's: its one bucket, which holds a few kilobytes (see `live.rs`).
const CLASS_MEMORY_MB: usize = 16;
const CLASS_FILE_MB: usize = 64;

/// Where the server listens: clients on the network, monitoring on the teacher's machine only;
/// and the certificate it shows its clients.
pub struct Listen {
    pub host: String,
    pub port: u16,
    pub monitor_port: u16,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The configuration file's text. Passwords appear only as bcrypt hashes.
pub fn server_config(roster: &Roster, listen: &Listen, store: &Path) -> Result<String, String> {
    let mut text = format!(
        "# Written by `classroom start`; written again at every start.\n\
         server_name: classroom\nlisten: \"{host}:{port}\"\nhttp: \"127.0.0.1:{monitor}\"\n\
         # TLS from every client: the server refuses a connection that does not upgrade.\n\
         tls {{ cert_file: {cert:?}, key_file: {key:?}, timeout: 2 }}\n\
         jetstream {{ store_dir: {store:?}, max_memory_store: {memory}MB, max_file_store: {file}MB }}\n\
         accounts {{\n",
        host = listen.host,
        port = listen.port,
        monitor = listen.monitor_port,
        cert = listen.cert.display().to_string(),
        key = listen.key.display().to_string(),
        store = store.display().to_string(),
        // The server reserves each account's limits up front: room for them all, and the class's.
        memory = STUDENT_MEMORY_MB * roster.students.len() + CLASS_MEMORY_MB,
        file = STUDENT_FILE_MB * roster.students.len() + CLASS_FILE_MB,
    );
    let _ = write!(
        text,
        "  {CLASS_ACCOUNT}: {{\n    jetstream: {{ max_mem: {CLASS_MEMORY_MB}MB, max_file: {CLASS_FILE_MB}MB, \
         max_streams: 1 }}\n    users: [\n      {}\n      {}\n    ]\n    \
         exports: [\n      {{ stream: \"to.*.class.>\" }}\n      {{ service: \"from.*.class.>\" }}\n    ]\n  }}\n",
        user(&roster.teacher)?,
        user(&roster.program)?,
    );
    for student in &roster.students {
        let name = &student.name;
        let _ = write!(
            text,
            "  {name}: {{\n    # A student's own JetStream, with limits: the whole class shares one disk.\n    \
             jetstream: {{ max_mem: {STUDENT_MEMORY_MB}MB, max_file: {STUDENT_FILE_MB}MB }}\n    users: [\n      {}\n    ]\n    \
             imports: [\n      \
             {{ stream: {{ account: {CLASS_ACCOUNT}, subject: \"to.{name}.class.>\" }}, to: \"class.>\" }}\n      \
             {{ service: {{ account: {CLASS_ACCOUNT}, subject: \"from.{name}.class.>\" }}, to: \"class.>\" }}\n    \
             ]\n  }}\n",
            user(student)?,
        );
    }
    text.push_str("}\n");
    Ok(text)
}

/// One user line: the name and the password's bcrypt hash.
fn user(login: &Login) -> Result<String, String> {
    // Cost 10 (the server checks it at each login, about 50 ms): slow to guess, quick for a class.
    let hash = bcrypt::hash(&login.password, 10)
        .map_err(|err| format!("cannot hash a password: {err}"))?;
    Ok(format!(
        "{{ user: \"{}\", password: \"{hash}\" }}",
        login.name
    ))
}
