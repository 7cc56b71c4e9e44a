//! The class on disk: who is in it, their passwords, and what is made from them (the server's
//! configuration, each student's settings file, the printable sheet). Everything lives in the
//! class folder (`target/class` by default); the files holding a password are owner-only.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The class account's users: the teacher, and the classroom program itself (relay, page).
pub const TEACHER: &str = "teacher";
pub const PROGRAM: &str = "classroom";
/// The class account, which carries `class.>` and the progress bucket.
pub const CLASS_ACCOUNT: &str = "CLASS";
/// The key-value bucket of the class account that keeps each student's latest results.
pub const PROGRESS_BUCKET: &str = "progress";

/// One person's login. No `Debug`: it holds a password.
#[derive(Clone)]
pub struct Login {
    pub name: String,
    pub password: String,
}

/// The class: its students (sorted by name) and the class account's two users.
pub struct Roster {
    pub dir: PathBuf,
    pub students: Vec<Login>,
    pub teacher: Login,
    pub program: Login,
}

/// A student's name becomes an account, a user and part of subjects: lower-case letters,
/// digits, `-` and `_`, starting with a letter, and not one of the class account's names.
pub fn check_name(name: &str) -> Result<(), String> {
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_".contains(c));
    if !first_ok || !rest_ok || name.len() > 32 {
        return Err(format!(
            "'{name}' cannot be a student's name: use lower-case letters, digits, - and _ (at most \
             32, starting with a letter), for example alice or bob_2"
        ));
    }
    if [TEACHER, PROGRAM, "class", "sys"].contains(&name) {
        return Err(format!(
            "'{name}' is a name the class itself uses: choose another"
        ));
    }
    Ok(())
}

/// A new random password: 20 letters and digits (about 115 bits), without look-alikes.
pub fn new_password() -> Result<String, String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|err| format!("the system gave no random bytes: {err}"))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

impl Roster {
    /// The class in `dir`, with exactly `names`: those already there keep their passwords (a
    /// restart changes nothing for them), new ones get new passwords.
    pub fn open(dir: &Path, names: &[String]) -> Result<Roster, String> {
        let saved = load(dir)?;
        let known = |name: &str| -> Result<Login, String> {
            let password = saved[name].as_str().map(String::from);
            Ok(Login {
                name: name.to_string(),
                password: password.map_or_else(new_password, Ok)?,
            })
        };
        let mut students = Vec::new();
        for name in names {
            check_name(name)?;
            if !students.iter().any(|s: &Login| &s.name == name) {
                // A student's password lives only in their settings file (and on the sheet).
                let saved = saved_password(&dir.join(format!("{name}.env")));
                let password = saved.map_or_else(new_password, Ok)?;
                students.push(Login {
                    name: name.clone(),
                    password,
                });
            }
        }
        students.sort_by(|a, b| a.name.cmp(&b.name));
        let teacher = Login {
            name: TEACHER.into(),
            ..known(&format!("class:{TEACHER}"))?
        };
        let program = Login {
            name: PROGRAM.into(),
            ..known(&format!("class:{PROGRAM}"))?
        };
        Ok(Roster {
            dir: dir.to_path_buf(),
            students,
            teacher,
            program,
        })
    }

    /// The students of the class saved in `dir`, if one was started there.
    pub fn saved_names(dir: &Path) -> Result<Vec<String>, String> {
        let saved = load(dir)?;
        let names = saved.as_object().into_iter().flat_map(|map| map.keys());
        Ok(names
            .filter_map(|key| key.strip_prefix("student:").map(String::from))
            .collect())
    }

    /// Writes the class file, the settings files, the sheet and the server's configuration.
    pub fn save(&self, url: &str, config: &str) -> Result<(), String> {
        fs::create_dir_all(&self.dir)
            .map_err(|err| format!("cannot create {}: {err}", self.dir.display()))?;
        let mut saved = serde_json::Map::new();
        for login in &self.students {
            saved.insert(format!("student:{}", login.name), json!(true));
        }
        for login in [&self.teacher, &self.program] {
            saved.insert(format!("class:{}", login.name), json!(login.password));
        }
        let text = serde_json::to_string_pretty(&Value::Object(saved)).unwrap_or_default();
        write_private(&self.dir.join("class.json"), &text)?;
        for login in self.students.iter().chain([&self.teacher]) {
            write_private(
                &self.dir.join(format!("{}.env", login.name)),
                &settings(url, login),
            )?;
        }
        write_private(&self.dir.join("sheet.md"), &self.sheet(url))?;
        write_private(&self.dir.join("nats-server.conf"), config)
    }

    /// The printable sheet: one box per student, to cut out and hand over.
    fn sheet(&self, url: &str) -> String {
        let mut sheet =
            String::from("# NATS class: your login\n\nCut along the lines; one box per student.\n");
        for login in &self.students {
            let _ = write!(
                sheet,
                "\n---\n\n**{name}**: save these lines as `{name}.env` in the workspace, then \
                 run `set -a; . ./{name}.env; set +a` in each terminal.\n\n```text\n{lines}```\n",
                name = login.name,
                lines = settings(url, login),
            );
        }
        sheet
    }
}

/// A settings file: `KEY=value` lines that `set -a; . FILE; set +a` loads into a shell.
/// `NATS_CLASS=1` makes every step log in; `NATS_NAME` names the student in connection names.
fn settings(url: &str, login: &Login) -> String {
    format!(
        "NATS_URL={url}\nNATS_USER={name}\nNATS_PASSWORD={password}\nNATS_CLASS=1\nNATS_NAME={name}\n",
        name = login.name,
        password = login.password,
    )
}

/// The password in a settings file written before, if there is one.
fn saved_password(settings: &Path) -> Option<String> {
    let text = fs::read_to_string(settings).ok()?;
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("NATS_PASSWORD="))?;
    Some(line.to_string()).filter(|password| !password.is_empty())
}

/// The saved class (the students, and the class account's passwords), or nothing yet.
fn load(dir: &Path) -> Result<Value, String> {
    let path = dir.join("class.json");
    match fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|err| {
            format!(
                "{} is damaged ({err}); `classroom reset` starts a new class",
                path.display()
            )
        }),
        Err(_) => Ok(json!({})),
    }
}

/// Writes a file only its owner can read (on Unix; elsewhere, the folder's own protection).
pub fn write_private(path: &Path, text: &str) -> Result<(), String> {
    let failed = |err: std::io::Error| format!("cannot write {}: {err}", path.display());
    let _ = fs::remove_file(path); // a new file gets the mode below; an old one keeps its own
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(failed)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(failed)
}
