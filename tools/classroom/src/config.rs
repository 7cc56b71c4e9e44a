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
//! - `$KV.progress.NAME.>` reaches the class account's bucket `progress` (a service import, so
//!   JetStream's acknowledgement comes back), and NAME's user may publish to no other student's
//!   keys: a forged report is refused by the server.

use std::fmt::Write as _;
use std::path::Path;

use crate::roster::{CLASS_ACCOUNT, Login, PROGRESS_BUCKET, Roster};

/// Each student's JetStream limits: the tutorial's streams and buckets need a few megabytes.
const STUDENT_MEMORY_MB: usize = 32;
const STUDENT_FILE_MB: usize = 256;

/// Where the server listens: clients on the network, monitoring on the teacher's machine only.
pub struct Listen {
    pub host: String,
    pub port: u16,
    pub monitor_port: u16,
}

/// The configuration file's text. Passwords appear only as bcrypt hashes.
pub fn server_config(roster: &Roster, listen: &Listen, store: &Path) -> Result<String, String> {
    let mut text = format!(
        "# Written by `classroom start`; written again at every start.\n\
         server_name: classroom\nlisten: \"{host}:{port}\"\nhttp: \"127.0.0.1:{monitor}\"\n\
         jetstream {{ store_dir: {store:?}, max_memory_store: {memory}MB, max_file_store: {file}MB }}\n\
         accounts {{\n",
        host = listen.host,
        port = listen.port,
        monitor = listen.monitor_port,
        store = store.display().to_string(),
        // The server reserves each account's limits up front: room for them all, and the class's.
        memory = STUDENT_MEMORY_MB * roster.students.len() + 256,
        file = STUDENT_FILE_MB * roster.students.len() + 1024,
    );
    let _ = write!(
        text,
        "  {CLASS_ACCOUNT}: {{\n    jetstream: enabled\n    users: [\n      {}\n      {}\n    ]\n    \
         exports: [\n      {{ stream: \"to.*.class.>\" }}\n      {{ service: \"from.*.class.>\" }}\n      \
         {{ service: \"$KV.{PROGRESS_BUCKET}.>\" }}\n    ]\n  }}\n",
        user(&roster.teacher, "")?,
        user(&roster.program, "")?,
    );
    for student in &roster.students {
        let others = roster
            .students
            .iter()
            .filter(|other| other.name != student.name);
        let forged: Vec<String> = others
            .map(|other| format!("\"$KV.{PROGRESS_BUCKET}.{}.>\"", other.name))
            .collect();
        let permissions = format!(
            ", permissions: {{ publish: {{ allow: [\">\"], deny: [{}] }} }}",
            forged.join(", ")
        );
        let name = &student.name;
        let _ = write!(
            text,
            "  {name}: {{\n    # A student's own JetStream, with limits: the whole class shares one disk.\n    \
             jetstream: {{ max_mem: {STUDENT_MEMORY_MB}MB, max_file: {STUDENT_FILE_MB}MB }}\n    users: [\n      {}\n    ]\n    \
             imports: [\n      \
             {{ stream: {{ account: {CLASS_ACCOUNT}, subject: \"to.{name}.class.>\" }}, to: \"class.>\" }}\n      \
             {{ service: {{ account: {CLASS_ACCOUNT}, subject: \"from.{name}.class.>\" }}, to: \"class.>\" }}\n      \
             {{ service: {{ account: {CLASS_ACCOUNT}, subject: \"$KV.{PROGRESS_BUCKET}.{name}.>\" }} }}\n    \
             ]\n  }}\n",
            user(student, &permissions)?,
        );
    }
    text.push_str("}\n");
    Ok(text)
}

/// One user line: the name, the password's bcrypt hash, and any permissions.
fn user(login: &Login, permissions: &str) -> Result<String, String> {
    // Cost 10 (the server checks it at each login, about 50 ms): slow to guess, quick for a class.
    let hash = bcrypt::hash(&login.password, 10)
        .map_err(|err| format!("cannot hash a password: {err}"))?;
    Ok(format!(
        "{{ user: \"{}\", password: \"{hash}\"{permissions} }}",
        login.name
    ))
}
